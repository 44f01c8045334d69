/**
 * What TensorFlow ops mean to a scanner. Python ops run arbitrary Python; file ops read or write the
 * filesystem with the loader's rights; everything else is judged against a set of standard ops, so a
 * custom op (native code that must be loaded from a shared library) is reported rather than trusted.
 * The standard set is broad but not every op TensorFlow has: an unlisted standard op is a MEDIUM finding
 * a user can review, never a silent pass for an unknown one.
 */

/** Ops that call back into Python (tf.py_function, tf.numpy_function, tf.compat.v1.py_func): CRITICAL. */
export const PYTHON_OPS = new Set(['PyFunc', 'PyFuncStateless', 'EagerPyFunc']);

/** Ops that read or write files as such (modelscan reports these HIGH). */
export const FILE_IO_OPS = new Set(['ReadFile', 'WriteFile']);

/** Ops that take file paths as string inputs: constant absolute or `..` paths in them are HIGH. */
export const PATH_OPS = new Set([
  'ReadFile', 'WriteFile', 'Save', 'SaveV2', 'SaveSlices', 'Restore', 'RestoreV2', 'RestoreSlice', 'MergeV2Checkpoints',
  'MatchingFiles', 'DeleteFile', 'WriteAudioSummary', 'WriteSummary', 'CreateSummaryFileWriter', 'ImmutableConst',
  'InitializeTableFromTextFile', 'InitializeTableFromTextFileV2', 'FixedLengthRecordDataset', 'FixedLengthRecordDatasetV2',
  'TextLineDataset', 'TFRecordDataset', 'TFRecordDatasetV2', 'LMDBDataset', 'DatasetToTFRecord', 'SaveDataset', 'SaveDatasetV2',
  'LoadDataset', 'SnapshotDataset', 'SnapshotDatasetV2', 'CacheDataset', 'CacheDatasetV2', 'WholeFileReader', 'WholeFileReaderV2',
  'TFRecordReader', 'TFRecordReaderV2', 'TextLineReader', 'TextLineReaderV2', 'FixedLengthRecordReaderV2', 'ReaderReadV2',
]);

const STANDARD = `
Abs Acos Acosh Add AddN AddV2 All Angle Any ApproximateEqual ArgMax ArgMin AsString Asin Asinh Assert Assign AssignAdd
AssignAddVariableOp AssignSub AssignSubVariableOp AssignVariableOp Atan Atan2 Atanh AvgPool AvgPool3D AvgPoolGrad
BatchMatMul BatchMatMulV2 BatchMatMulV3 BatchNormWithGlobalNormalization BatchToSpaceND BiasAdd BiasAddGrad BiasAddV1
Bincount Bitcast BitwiseAnd BitwiseOr BitwiseXor BroadcastArgs BroadcastGradientArgs BroadcastTo Bucketize Case Cast
Ceil CheckNumerics CheckNumericsV2 Cholesky ClipByValue ComplexAbs Concat ConcatOffset ConcatV2 Const ControlTrigger
Conv2D Conv2DBackpropFilter Conv2DBackpropInput Conv3D Conv3DBackpropFilterV2 Conv3DBackpropInputV2 Cos Cosh
CropAndResize Cross CTCGreedyDecoder CTCLoss CudnnRNN CudnnRNNV2 CudnnRNNV3 CudnnRNNBackpropV3 Cumprod Cumsum
DebugIdentity DebugIdentityV2 DecodeBase64 DecodeBmp DecodeCSV DecodeGif DecodeImage DecodeJpeg DecodePng DecodeRaw
DepthToSpace DepthwiseConv2dNative DepthwiseConv2dNativeBackpropFilter DepthwiseConv2dNativeBackpropInput Dequantize
DestroyResourceOp DeviceIndex Diag DiagPart Digamma Dilation2D DisableCopyOnRead Div DivNoNan DynamicPartition
DynamicStitch Einsum Elu EluGrad EmptyTensorList EncodeBase64 EncodeJpeg EncodePng EnsureShape Enter Equal Erf Erfc
Exit Exp ExpandDims Expm1 ExtractImagePatches FFT FFT2D FIFOQueueV2 FakeQuantWithMinMaxArgs FakeQuantWithMinMaxVars
Fill Fingerprint Floor FloorDiv FloorMod FusedBatchNorm FusedBatchNormGrad FusedBatchNormGradV2 FusedBatchNormGradV3
FusedBatchNormV2 FusedBatchNormV3 FusedPadConv2D FusedResizeAndPadConv2D Gather GatherNd GatherV2 Greater GreaterEqual
GuaranteeConst HashTable HashTableV2 HistogramFixedWidth HistogramSummary IFFT Identity IdentityN If Igamma Igammac Imag
InTopK InTopKV2 InitializeTable InitializeTableV2 InitializeTableFromTextFile InitializeTableFromTextFileV2 Inv InvGrad
Invert InvertPermutation IsFinite IsInf IsNan IsVariableInitialized L2Loss LRN LeakyRelu LeakyReluGrad LeftShift Less
LessEqual Lgamma LinSpace ListDiff Log Log1p LogSoftmax LogicalAnd LogicalNot LogicalOr LookupTableExport
LookupTableExportV2 LookupTableFind LookupTableFindV2 LookupTableImport LookupTableImportV2 LookupTableInsert
LookupTableInsertV2 LookupTableRemoveV2 LookupTableSize LookupTableSizeV2 LoopCond MatMul MatrixBandPart
MatrixDeterminant MatrixDiag MatrixDiagPart MatrixDiagPartV3 MatrixDiagV3 MatrixInverse MatrixSetDiag MatrixSetDiagV3
MatrixSolve MatrixTriangularSolve Max MaxPool MaxPool3D MaxPoolGrad MaxPoolGradGrad MaxPoolGradV2 MaxPoolV2
MaxPoolWithArgmax Maximum Mean Merge MergeSummary MergeV2Checkpoints Min Minimum MirrorPad Mod Mul MulNoNan
MutableDenseHashTableV2 MutableHashTable MutableHashTableOfTensorsV2 MutableHashTableV2 Multinomial Neg NextIteration
NoOp NonMaxSuppression NonMaxSuppressionV2 NonMaxSuppressionV3 NonMaxSuppressionV4 NonMaxSuppressionV5 NotEqual OneHot
OnesLike OptionalFromValue OptionalGetValue OptionalHasValue OptionalNone Pack Pad PadV2 ParallelConcat
ParallelDynamicStitch ParseExample ParseExampleV2 ParseSingleExample ParseTensor PartitionedCall Placeholder
PlaceholderV2 PlaceholderWithDefault Pow PreventGradient Print PrintV2 Prod QuantizeV2 QueueDequeueManyV2
QueueDequeueV2 QueueEnqueueV2 RaggedGather RaggedRange RaggedTensorFromVariant RaggedTensorToSparse
RaggedTensorToTensor RaggedTensorToVariant RandomGammaGrad RandomShuffle RandomStandardNormal RandomUniform
RandomUniformInt Range Rank ReadVariableOp Real RealDiv Reciprocal ReciprocalGrad RefIdentity RegexFullMatch
RegexReplace Relu Relu6 Relu6Grad ReluGrad Reshape ResizeArea ResizeBicubic ResizeBilinear ResizeBilinearGrad
ResizeNearestNeighbor ResizeNearestNeighborGrad ResourceApplyAdaGrad ResourceApplyAdagradV2 ResourceApplyAdam
ResourceApplyAdamWithAmsgrad ResourceApplyCenteredRMSProp ResourceApplyFtrl ResourceApplyFtrlV2
ResourceApplyGradientDescent ResourceApplyKerasMomentum ResourceApplyMomentum ResourceApplyRMSProp ResourceGather
ResourceGatherNd ResourceScatterAdd ResourceScatterNdAdd ResourceScatterNdUpdate ResourceScatterUpdate
ResourceSparseApplyAdagradV2 ResourceStridedSliceAssign Restore RestoreSlice RestoreV2 Reverse ReverseSequence
ReverseV2 RightShift Rint Roll Round Rsqrt RsqrtGrad Save SaveSlices SaveV2 ScalarSummary ScatterNd ScatterNdAdd
ScatterNdUpdate ScatterUpdate SegmentMax SegmentMean SegmentMin SegmentProd SegmentSum Select SelectV2 Selu SeluGrad
Shape ShapeN ShardedFilename ShardedFilespec Sigmoid SigmoidGrad Sign Sin Sinh Size Slice Snapshot Softmax
SoftmaxCrossEntropyWithLogits Softplus SoftplusGrad Softsign SoftsignGrad SpaceToBatchND SpaceToDepth SparseAdd
SparseConcat SparseFillEmptyRows SparseMatMul SparseReshape SparseSegmentMean SparseSegmentSqrtN SparseSegmentSum
SparseSlice SparseSoftmaxCrossEntropyWithLogits SparseTensorDenseMatMul SparseToDense Split SplitV Sqrt SqrtGrad
Square SquaredDifference Squeeze Stack StackPopV2 StackPushV2 StackV2 StatefulPartitionedCall StatelessCase
StatelessIf StatelessMultinomial StatelessRandomGetAlg StatelessRandomGetKeyCounter StatelessRandomNormal
StatelessRandomNormalV2 StatelessRandomUniform StatelessRandomUniformFullIntV2 StatelessRandomUniformInt
StatelessRandomUniformIntV2 StatelessRandomUniformV2 StatelessTruncatedNormal StatelessTruncatedNormalV2
StatelessWhile StaticRegexFullMatch StaticRegexReplace StopGradient StridedSlice StridedSliceAssign StridedSliceGrad
StringFormat StringJoin StringLength StringLower StringSplit StringSplitV2 StringStrip StringToHashBucket
StringToHashBucketFast StringToHashBucketStrong StringToNumber StringUpper Sub Substr Sum Svd Switch
TensorArrayCloseV3 TensorArrayGatherV3 TensorArrayReadV3 TensorArrayScatterV3 TensorArraySizeV3 TensorArrayV3
TensorArrayWriteV3 TensorListConcatV2 TensorListElementShape TensorListFromTensor TensorListGather TensorListGetItem
TensorListLength TensorListPopBack TensorListPushBack TensorListReserve TensorListResize TensorListScatterIntoExistingList
TensorListSetItem TensorListSplit TensorListStack TensorScatterAdd TensorScatterMax TensorScatterMin TensorScatterSub
TensorScatterUpdate TensorStridedSliceUpdate Tan Tanh TanhGrad Tile TileGrad TopK TopKV2 Transpose TruncateDiv
TruncateMod TruncatedNormal Unique UniqueV2 UniqueWithCounts Unpack UnravelIndex UnsortedSegmentMax
UnsortedSegmentMin UnsortedSegmentProd UnsortedSegmentSum UnicodeDecode UnicodeDecodeWithOffsets UnicodeEncode
UnicodeScript UnicodeTranscode VarHandleOp VarIsInitializedOp Variable VariableShape VariableV2 Where While Xdivy
Xlog1py Xlogy ZerosLike Zeta _Arg _Retval _ReadVariablesOp _FusedConv2D _FusedMatMul _FusedBatchNormEx
_DeviceArg _DeviceRetval _Send _Recv _HostSend _HostRecv AnonymousIteratorV2 AnonymousIteratorV3 BatchDatasetV2
DatasetCardinality DeleteIterator FilterDataset FlatMapDataset GeneratorDataset IteratorGetNext IteratorGetNextSync
IteratorV2 MakeIterator MapDataset ModelDataset OptimizeDataset OptimizeDatasetV2 OptionsDataset PaddedBatchDatasetV2
ParallelMapDatasetV2 PrefetchDataset RangeDataset RepeatDataset ShuffleDatasetV3 TakeDataset TensorDataset
TensorSliceDataset ZipDataset SummaryWriter WriteScalarSummary WriteHistogramSummary WriteImageSummary FlushSummaryWriter
CloseSummaryWriter CollectiveReduceV2 CollectiveGatherV2 CollectiveBcastSendV2 CollectiveBcastRecvV2 NcclAllReduce
XlaConcatND XlaSplitND XlaSharding XlaCallModule TPUReplicatedInput TPUReplicatedOutput TPUPartitionedCall
`;

export const STANDARD_OPS = new Set(STANDARD.split(/\s+/).filter((s) => s !== ''));
