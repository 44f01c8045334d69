/**
 * TensorFlow SavedModel: saved_model.pb (every meta graph's graph and function library, see
 * graph-check.ts) and keras_metadata.pb (the Keras layer configs TensorFlow's Keras revives, checked like
 * an H5 model_config). Scanning a SavedModel directory reads both files; variables/ holds only tensor data
 * and checkpoint indexes, which carry no code and are reported as unrecognised like any other data file.
 */
import type { ByteSource } from '../../io/byte-source.js';
import { Emitter, FormatError, reportThrown } from '../emit.js';
import { checkKerasTree } from '../keras/config-check.js';
import { parseJsonText } from '../keras/json-text.js';
import { emitTreeCheck } from '../keras/report.js';
import { decodeMessage, messageType, readAll } from '../protobuf.js';
import type { ScanContext, Scanner, ScannerOutput } from '../scanner.js';
import { checkGraphs, type GraphDef } from './graph-check.js';
import { KERAS_METADATA_SCHEMA, TF_SCHEMA } from './schema.js';

export const savedModelScanner: Scanner = {
  id: 'savedmodel',
  formats: ['tf-savedmodel'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const em = new Emitter('savedmodel', ctx);
    try {
      const buf = readAll(src, ctx.limits.formats.maxProtobufBytes, 'saved_model.pb');
      const model = decodeMessage(messageType(TF_SCHEMA, 'tf.SavedModel'), buf, 'saved_model.pb') as { meta_graphs?: { graph_def?: GraphDef }[] };
      const metas = model.meta_graphs ?? [];
      // protobuf decodes empty or unrelated bytes to an empty message: a SavedModel has at least one graph.
      if (metas.length === 0) throw new FormatError('parse', 'no meta graph: not a SavedModel TensorFlow can load');
      const graphs = metas.map((m) => m.graph_def ?? {});
      for (const i of checkGraphs(graphs)) em.finding(i.severity, i.rule, i.description, { operator: i.operator });
    } catch (err) {
      reportThrown(em, err);
    }
    return em.output();
  },
};

export const kerasMetadataScanner: Scanner = {
  id: 'keras-metadata',
  formats: ['keras-metadata'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const em = new Emitter('keras-metadata', ctx);
    const limits = ctx.limits.formats;
    try {
      const buf = readAll(src, limits.maxProtobufBytes, 'keras_metadata.pb');
      const meta = decodeMessage(messageType(KERAS_METADATA_SCHEMA, 'km.SavedMetadata'), buf, 'keras_metadata.pb') as { nodes?: { node_id?: number; node_path?: string; metadata?: string }[] };
      const nodes = meta.nodes ?? [];
      if (nodes.length === 0) throw new FormatError('parse', 'no saved objects: not a keras_metadata.pb Keras wrote');
      for (const node of nodes) {
        const label = `keras_metadata.pb object ${node.node_path ?? node.node_id ?? '?'}`;
        if (!node.metadata) continue;
        try {
          emitTreeCheck(em, checkKerasTree(parseJsonText(node.metadata, label, limits.maxJsonBytes), label, limits));
        } catch (err) {
          reportThrown(em, err);
        }
      }
    } catch (err) {
      reportThrown(em, err);
    }
    return em.output();
  },
};
