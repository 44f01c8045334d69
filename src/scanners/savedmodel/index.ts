/**
 * TensorFlow SavedModel: saved_model.pb (every meta graph's graph and function library, see
 * graph-check.ts) and keras_metadata.pb (the Keras layer configs TensorFlow's Keras revives, checked like
 * an H5 model_config). Scanning a SavedModel directory reads both files; variables/ holds only tensor data
 * and checkpoint indexes, which carry no code and are reported as unrecognised like any other data file.
 */
import { formatScanner, FormatError } from '../emit.js';
import { checkKerasJson } from '../keras/report.js';
import { decodeMessage, messageType, readPruned } from '../protobuf.js';
import { checkGraphs, type GraphDef } from './graph-check.js';
import { GRAPH_DEF_PRUNE, KERAS_METADATA_PRUNE, KERAS_METADATA_SCHEMA, SAVED_MODEL_PRUNE, TF_SCHEMA } from './schema.js';

export const savedModelScanner = formatScanner('savedmodel', ['tf-savedmodel'], (src, ctx, em) => {
  const buf = readPruned(src, SAVED_MODEL_PRUNE, ctx.limits.formats, 'saved_model.pb');
  const model = decodeMessage(messageType(TF_SCHEMA, 'tf.SavedModel'), buf, 'saved_model.pb') as { meta_graphs?: { graph_def?: GraphDef }[] };
  const metas = model.meta_graphs ?? [];
  // protobuf decodes empty or unrelated bytes to an empty message: a SavedModel has at least one graph.
  if (metas.length === 0) throw new FormatError('parse', 'no meta graph: not a SavedModel TensorFlow can load');
  for (const i of checkGraphs(metas.map((m) => m.graph_def ?? {}))) em.finding(i.severity, i.rule, i.description, { operator: i.operator });
});

/** Op names as TensorFlow writes them: anything else means the bytes are some other protobuf. */
const OP_NAME = /^[A-Za-z_][A-Za-z0-9_>.-]*$/;

/**
 * TF1 frozen GraphDefs (`frozen_inference_graph.pb`), checked like a SavedModel's graph. The sniffer sends
 * only `.pb` files that start like a graph here; one that then does not read as a graph is an error.
 */
export const graphDefScanner = formatScanner('savedmodel', ['tf-graphdef'], (src, ctx, em) => {
  const buf = readPruned(src, GRAPH_DEF_PRUNE, ctx.limits.formats, 'the .pb file');
  const graph = decodeMessage(messageType(TF_SCHEMA, 'tf.GraphDef'), buf, 'the .pb file') as GraphDef;
  const nodes = [...(graph.node ?? []), ...(graph.library?.function ?? []).flatMap((f) => f.node_def ?? [])];
  if (nodes.length === 0 || !nodes.every((n) => OP_NAME.test(n.op ?? ''))) {
    throw new FormatError('parse', 'starts like a TensorFlow graph but its nodes do not read as one');
  }
  for (const i of checkGraphs([graph])) em.finding(i.severity, i.rule, i.description, { operator: i.operator });
});

export const kerasMetadataScanner = formatScanner('keras-metadata', ['keras-metadata'], (src, ctx, em) => {
  const limits = ctx.limits.formats;
  const buf = readPruned(src, KERAS_METADATA_PRUNE, limits, 'keras_metadata.pb');
  const meta = decodeMessage(messageType(KERAS_METADATA_SCHEMA, 'km.SavedMetadata'), buf, 'keras_metadata.pb') as { nodes?: { node_id?: number; node_path?: string; metadata?: string }[] };
  const nodes = meta.nodes ?? [];
  if (nodes.length === 0) throw new FormatError('parse', 'no saved objects: not a keras_metadata.pb Keras wrote');
  for (const node of nodes) {
    if (node.metadata) checkKerasJson(em, node.metadata, `keras_metadata.pb object ${node.node_path ?? node.node_id ?? '?'}`, limits);
  }
});
