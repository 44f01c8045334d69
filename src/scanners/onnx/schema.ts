/** The parts of onnx.proto this scanner reads, with ONNX's field numbers. Tensor bytes are left out (skipped). */
import type { PruneSpec } from '../protobuf-prune.js';
export const ONNX_SCHEMA = `
syntax = "proto3";
package onnx;
message ModelProto {
  int64 ir_version = 1; string producer_name = 2; repeated OperatorSetIdProto opset_import = 8; GraphProto graph = 7;
  repeated TrainingInfoProto training_info = 20; repeated FunctionProto functions = 25;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message GraphProto {
  repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5;
  repeated SparseTensorProto sparse_initializer = 15;
}
message NodeProto {
  string name = 3; string op_type = 4; string domain = 7;
  repeated AttributeProto attribute = 5;
}
message AttributeProto {
  string name = 1; TensorProto t = 5; GraphProto g = 6; repeated TensorProto tensors = 10; repeated GraphProto graphs = 11;
  SparseTensorProto sparse_tensor = 22; repeated SparseTensorProto sparse_tensors = 23;
}
message TensorProto { string name = 8; repeated StringStringEntryProto external_data = 13; int32 data_location = 14; }
message SparseTensorProto { TensorProto values = 1; TensorProto indices = 2; }
message StringStringEntryProto { string key = 1; string value = 2; }
message TrainingInfoProto { GraphProto initialization = 1; GraphProto algorithm = 2; }
message FunctionProto { string name = 1; repeated NodeProto node = 7; string domain = 10; }
`;

/** The fields of ONNX_SCHEMA, for pruning: everything else (raw_data, float_data, doc strings…) is skipped unread. */
const TENSOR: PruneSpec = { 8: true, 13: true, 14: true };
const SPARSE: PruneSpec = { 1: TENSOR, 2: TENSOR };
const GRAPH: PruneSpec = {};
const ATTRIBUTE: PruneSpec = { 1: true, 5: TENSOR, 6: GRAPH, 10: TENSOR, 11: GRAPH, 22: SPARSE, 23: SPARSE };
const NODE: PruneSpec = { 3: true, 4: true, 7: true, 5: ATTRIBUTE };
Object.assign(GRAPH, { 1: NODE, 2: true, 5: TENSOR, 15: SPARSE });
export const ONNX_PRUNE: PruneSpec = { 1: true, 2: true, 8: true, 7: GRAPH, 20: { 1: GRAPH, 2: GRAPH }, 25: { 1: true, 7: NODE, 10: true } };
