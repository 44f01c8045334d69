/**
 * The parts of TensorFlow's saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
 * function.proto, attr_value.proto and tensor.proto this scanner reads, with TensorFlow's field numbers,
 * and of Keras' saved_metadata.proto (keras_metadata.pb).
 */
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
