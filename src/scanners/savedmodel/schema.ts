/**
 * The parts of TensorFlow's saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
 * function.proto, attr_value.proto and tensor.proto this scanner reads, with TensorFlow's field numbers,
 * and of Keras' saved_metadata.proto (keras_metadata.pb).
 */
import type { PruneSpec } from '../protobuf-prune.js';
export const TF_SCHEMA = `
syntax = "proto3";
package tf;
message SavedModel { int64 saved_model_schema_version = 1; repeated MetaGraphDef meta_graphs = 2; }
message MetaGraphDef { GraphDef graph_def = 2; }
message GraphDef { repeated NodeDef node = 1; FunctionDefLibrary library = 2; }
message NodeDef { string name = 1; string op = 2; repeated string input = 3; map<string, AttrValue> attr = 5; }
message FunctionDefLibrary { repeated FunctionDef function = 1; }
message FunctionDef { OpDef signature = 1; repeated NodeDef node_def = 3; }
message OpDef { string name = 1; }
message AttrValue {
  oneof value { ListValue list = 1; bytes s = 2; TensorProto tensor = 8; NameAttrList func = 10; }
}
message ListValue { repeated bytes s = 2; repeated TensorProto tensor = 8; repeated NameAttrList func = 9; }
message NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }
message TensorProto { int32 dtype = 1; repeated bytes string_val = 8; }
`;

export const KERAS_METADATA_SCHEMA = `
syntax = "proto3";
package km;
message SavedMetadata { repeated SavedObject nodes = 1; }
message SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4; string metadata = 5; }
`;

/** The fields of TF_SCHEMA, for pruning: tensor_content and everything else unnamed are skipped unread. */
const TENSOR: PruneSpec = { 1: true, 8: true };
const ATTR_VALUE: PruneSpec = {};
const NAME_ATTR_LIST: PruneSpec = {};
const ATTR_ENTRY: PruneSpec = { 1: true, 2: ATTR_VALUE };
Object.assign(ATTR_VALUE, { 1: { 2: true, 8: TENSOR, 9: NAME_ATTR_LIST }, 2: true, 8: TENSOR, 10: NAME_ATTR_LIST });
Object.assign(NAME_ATTR_LIST, { 1: true, 2: ATTR_ENTRY });
const NODE: PruneSpec = { 1: true, 2: true, 3: true, 5: ATTR_ENTRY };
const GRAPH: PruneSpec = { 1: NODE, 2: { 1: { 1: { 1: true }, 3: NODE } } };
export const GRAPH_DEF_PRUNE = GRAPH;
export const SAVED_MODEL_PRUNE: PruneSpec = { 1: true, 2: { 2: GRAPH } };
export const KERAS_METADATA_PRUNE: PruneSpec = { 1: { 2: true, 3: true, 4: true, 5: true } };
