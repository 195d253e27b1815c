// The built-in op list: every op tfckpt knows, with the interface TensorFlow
// 2.21 registers for it (tests/interop_graph checks each against TF's own
// registry). Explicit on purpose: no static registration.
#include <string>

#include "tfckpt/op_registry.h"
#include "tfckpt/status.h"

namespace tfckpt {

Status RegisterOps(OpRegistry* registry) {
  const OpDefBuilder ops[] = {
      OpDefBuilder("Const")
          .Output("output: dtype")
          .Attr("value: tensor")
          .Attr("dtype: type"),
      OpDefBuilder("Placeholder")
          .Output("output: dtype")
          .Attr("dtype: type")
          .Attr("shape: shape = {unknown_rank: true}"),
      OpDefBuilder("PlaceholderWithDefault")
          .Input("input: dtype")
          .Output("output: dtype")
          .Attr("dtype: type")
          .Attr("shape: shape"),
      OpDefBuilder("Identity")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("IdentityN")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: list(type) >= 1"),
      OpDefBuilder("NoOp"),
      OpDefBuilder("VariableV2")
          .Output("ref: Ref(dtype)")
          .Attr("shape: shape")
          .Attr("dtype: type")
          .Attr(R"(container: string = "")")
          .Attr(R"(shared_name: string = "")")
          .SetIsStateful(),
      OpDefBuilder("Variable")
          .Output("ref: Ref(dtype)")
          .Attr("shape: shape")
          .Attr("dtype: type")
          .Attr(R"(container: string = "")")
          .Attr(R"(shared_name: string = "")")
          .SetIsStateful(),
      OpDefBuilder("Assign")
          .Input("ref: Ref(T)")
          .Input("value: T")
          .Output("output_ref: Ref(T)")
          .Attr("T: type")
          .Attr("validate_shape: bool = true")
          .Attr("use_locking: bool = true")
          .SetAllowsUninitializedInput(),
      OpDefBuilder("AssignAdd")
          .Input("ref: Ref(T)")
          .Input("value: T")
          .Output("output_ref: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false"),
      OpDefBuilder("AssignSub")
          .Input("ref: Ref(T)")
          .Input("value: T")
          .Output("output_ref: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false"),
      OpDefBuilder("VarHandleOp")
          .Output("resource: resource")
          .Attr(R"(container: string = "")")
          .Attr(R"(shared_name: string = "")")
          .Attr(R"(debug_name: string = "")")
          .Attr("dtype: type")
          .Attr("shape: shape")
          .Attr("allowed_devices: list(string) = []")
          .SetIsStateful(),
      OpDefBuilder("ReadVariableOp")
          .Input("resource: resource")
          .Output("value: dtype")
          .Attr("dtype: type")
          .SetIsStateful(),
      OpDefBuilder("AssignVariableOp")
          .Input("resource: resource")
          .Input("value: dtype")
          .Attr("dtype: type")
          .Attr("validate_shape: bool = false")
          .SetIsStateful(),
      OpDefBuilder("AssignAddVariableOp")
          .Input("resource: resource")
          .Input("value: dtype")
          .Attr("dtype: type")
          .SetIsStateful(),
      OpDefBuilder("AssignSubVariableOp")
          .Input("resource: resource")
          .Input("value: dtype")
          .Attr("dtype: type")
          .SetIsStateful(),
      OpDefBuilder("VarIsInitializedOp")
          .Input("resource: resource")
          .Output("is_initialized: bool")
          .SetIsStateful(),
      OpDefBuilder("IsVariableInitialized")
          .Input("ref: Ref(dtype)")
          .Output("is_initialized: bool")
          .Attr("dtype: type")
          .SetAllowsUninitializedInput(),
      OpDefBuilder("DestroyResourceOp")
          .Input("resource: resource")
          .Attr("ignore_lookup_error: bool = true")
          .SetIsStateful(),
      OpDefBuilder("Add")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, int16, int32,"
               "int64, complex64, complex128, string}"),
      OpDefBuilder("AddV2")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, uint16, uint32,"
               "uint64, int8, int16, int32, int64, complex64, complex128}")
          .SetIsCommutative()
          .SetIsAggregate(),
      OpDefBuilder("AddN")
          .Input("inputs: N * T")
          .Output("sum: T")
          .Attr("N: int >= 1")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64, variant}")
          .SetIsCommutative()
          .SetIsAggregate(),
      OpDefBuilder("Sub")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, uint16,"
               "int16, int32, int64, complex64, complex128, uint32, uint64}"),
      OpDefBuilder("Mul")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, uint16,"
               "int16, int32, uint32, uint64, int64, complex64, complex128}")
          .SetIsCommutative(),
      OpDefBuilder("RealDiv")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, uint16,"
               "int16, int32, uint32, uint64, int64, complex64, complex128}"),
      OpDefBuilder("Div")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, uint16,"
               "int16, int32, uint32, uint64, int64, complex64, complex128}"),
      OpDefBuilder("FloorDiv")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, uint8, int8, uint16,"
               "int16, int32, uint32, uint64, int64, complex64, complex128}"),
      OpDefBuilder("FloorMod")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64,"
               "bfloat16, half, float, double}"),
      OpDefBuilder("Neg")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64,"
               "complex64, complex128}"),
      OpDefBuilder("Abs")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64}"),
      OpDefBuilder("Sign")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64,"
               "complex64, complex128}"),
      OpDefBuilder("Square")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64,"
               "uint8, uint16, uint32, uint64, complex64, complex128}"),
      OpDefBuilder("Sqrt")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Rsqrt")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Exp")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Log")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Reciprocal")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64,"
               "complex64, complex128}"),
      OpDefBuilder("Maximum")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, int8, uint8, int16,"
               "uint16, int32, uint32, int64, uint64}"),
      OpDefBuilder("Minimum")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, int8, uint8, int16,"
               "uint16, int32, uint32, int64, uint64}"),
      OpDefBuilder("Pow")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, float, half, double, int8, int16, int32, int64,"
               "complex64, complex128}"),
      OpDefBuilder("Equal")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: type")
          .Attr("incompatible_shape_error: bool = true")
          .SetIsCommutative(),
      OpDefBuilder("NotEqual")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: type")
          .Attr("incompatible_shape_error: bool = true")
          .SetIsCommutative(),
      OpDefBuilder("Greater")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("GreaterEqual")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("Less")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("LessEqual")
          .Input("x: T")
          .Input("y: T")
          .Output("z: bool")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("LogicalAnd")
          .Input("x: bool")
          .Input("y: bool")
          .Output("z: bool")
          .SetIsCommutative(),
      OpDefBuilder("LogicalOr")
          .Input("x: bool")
          .Input("y: bool")
          .Output("z: bool")
          .SetIsCommutative(),
      OpDefBuilder("LogicalNot")
          .Input("x: bool")
          .Output("y: bool"),
      OpDefBuilder("Select")
          .Input("condition: bool")
          .Input("t: T")
          .Input("e: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("SelectV2")
          .Input("condition: bool")
          .Input("t: T")
          .Input("e: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("MatMul")
          .Input("a: T")
          .Input("b: T")
          .Output("product: T")
          .Attr("transpose_a: bool = false")
          .Attr("transpose_b: bool = false")
          .Attr("T: {bfloat16, half, float, double, int32, int64, uint8,"
               "uint16, uint32, uint64, complex64, complex128}")
          .Attr("grad_a: bool = false")
          .Attr("grad_b: bool = false"),
      OpDefBuilder("BatchMatMulV2")
          .Input("x: T")
          .Input("y: T")
          .Output("output: T")
          .Attr("T: {bfloat16, half, float, double, int16, int32, int64,"
               "uint8, uint16, uint32, uint64, complex64, complex128}")
          .Attr("adj_x: bool = false")
          .Attr("adj_y: bool = false")
          .Attr("grad_x: bool = false")
          .Attr("grad_y: bool = false"),
      OpDefBuilder("BiasAdd")
          .Input("value: T")
          .Input("bias: T")
          .Output("output: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")"),
      OpDefBuilder("BiasAddGrad")
          .Input("out_backprop: T")
          .Output("output: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")"),
      OpDefBuilder("Relu")
          .Input("features: T")
          .Output("activations: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64, qint8}"),
      OpDefBuilder("ReluGrad")
          .Input("gradients: T")
          .Input("features: T")
          .Output("backprops: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("Relu6")
          .Input("features: T")
          .Output("activations: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("Sigmoid")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("SigmoidGrad")
          .Input("y: T")
          .Input("dy: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Tanh")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("TanhGrad")
          .Input("y: T")
          .Input("dy: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("Softmax")
          .Input("logits: T")
          .Output("softmax: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("LogSoftmax")
          .Input("logits: T")
          .Output("logsoftmax: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("SoftmaxCrossEntropyWithLogits")
          .Input("features: T")
          .Input("labels: T")
          .Output("loss: T")
          .Output("backprop: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("SparseSoftmaxCrossEntropyWithLogits")
          .Input("features: T")
          .Input("labels: Tlabels")
          .Output("loss: T")
          .Output("backprop: T")
          .Attr("T: {half, bfloat16, float, double}")
          .Attr("Tlabels: {int32, int64} = int64"),
      OpDefBuilder("L2Loss")
          .Input("t: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("Conv2D")
          .Input("input: T")
          .Input("filter: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double, int32}")
          .Attr("strides: list(int)")
          .Attr("use_cudnn_on_gpu: bool = true")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("dilations: list(int) = [1, 1, 1, 1]"),
      OpDefBuilder("MaxPool")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double, int32, int64, uint8,"
               "int16, int8, uint16, qint8} = float")
          .Attr("ksize: list(int) >= 4")
          .Attr("strides: list(int) >= 4")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW", "NCHW_VECT_C"} = "NHWC")"),
      OpDefBuilder("FusedBatchNormV3")
          .Input("x: T")
          .Input("scale: U")
          .Input("offset: U")
          .Input("mean: U")
          .Input("variance: U")
          .Output("y: T")
          .Output("batch_mean: U")
          .Output("batch_variance: U")
          .Output("reserve_space_1: U")
          .Output("reserve_space_2: U")
          .Output("reserve_space_3: U")
          .Attr("T: {half, bfloat16, float}")
          .Attr("U: {bfloat16, float}")
          .Attr("epsilon: float = 9.999999747378752e-05")
          .Attr("exponential_avg_factor: float = 1.0")
          .Attr(R"(data_format: {"NHWC", "NCHW", "NDHWC", "NCDHW"} = "NHWC")")
          .Attr("is_training: bool = true"),
      OpDefBuilder("RandomStandardNormal")
          .Input("shape: T")
          .Output("output: dtype")
          .Attr("seed: int = 0")
          .Attr("seed2: int = 0")
          .Attr("dtype: {half, bfloat16, float, double}")
          .Attr("T: {int32, int64}")
          .SetIsStateful(),
      OpDefBuilder("TruncatedNormal")
          .Input("shape: T")
          .Output("output: dtype")
          .Attr("seed: int = 0")
          .Attr("seed2: int = 0")
          .Attr("dtype: {half, bfloat16, float, double}")
          .Attr("T: {int32, int64}")
          .SetIsStateful(),
      OpDefBuilder("RandomUniform")
          .Input("shape: T")
          .Output("output: dtype")
          .Attr("seed: int = 0")
          .Attr("seed2: int = 0")
          .Attr("dtype: {half, bfloat16, float, double}")
          .Attr("T: {int32, int64}")
          .SetIsStateful(),
      OpDefBuilder("RandomUniformInt")
          .Input("shape: T")
          .Input("minval: Tout")
          .Input("maxval: Tout")
          .Output("output: Tout")
          .Attr("seed: int = 0")
          .Attr("seed2: int = 0")
          .Attr("Tout: {int32, int64}")
          .Attr("T: {int32, int64}")
          .SetIsStateful(),
      OpDefBuilder("SaveV2")
          .Input("prefix: string")
          .Input("tensor_names: string")
          .Input("shape_and_slices: string")
          .Input("tensors: dtypes")
          .Attr("dtypes: list(type) >= 1")
          .SetIsStateful(),
      OpDefBuilder("RestoreV2")
          .Input("prefix: string")
          .Input("tensor_names: string")
          .Input("shape_and_slices: string")
          .Output("tensors: dtypes")
          .Attr("dtypes: list(type) >= 1")
          .SetIsStateful(),
      OpDefBuilder("MergeV2Checkpoints")
          .Input("checkpoint_prefixes: string")
          .Input("destination_prefix: string")
          .Attr("delete_old_dirs: bool = true")
          .Attr("allow_missing_files: bool = false")
          .SetIsStateful(),
      OpDefBuilder("ShardedFilename")
          .Input("basename: string")
          .Input("shard: int32")
          .Input("num_shards: int32")
          .Output("filename: string"),
      OpDefBuilder("ShardedFilespec")
          .Input("basename: string")
          .Input("num_shards: int32")
          .Output("filename: string"),
      OpDefBuilder("StringJoin")
          .Input("inputs: N * string")
          .Output("output: string")
          .Attr("N: int >= 0")
          .Attr(R"(separator: string = "")"),
      OpDefBuilder("StaticRegexFullMatch")
          .Input("input: string")
          .Output("output: bool")
          .Attr("pattern: string"),
      OpDefBuilder("SaveSlices")
          .Input("filename: string")
          .Input("tensor_names: string")
          .Input("shapes_and_slices: string")
          .Input("data: T")
          .Attr("T: list(type) >= 1")
          .SetIsStateful(),
      OpDefBuilder("RestoreSlice")
          .Input("file_pattern: string")
          .Input("tensor_name: string")
          .Input("shape_and_slice: string")
          .Output("tensor: dt")
          .Attr("dt: type")
          .Attr("preferred_shard: int = -1")
          .SetIsStateful(),
      OpDefBuilder("Shape")
          .Input("input: T")
          .Output("output: out_type")
          .Attr("T: type")
          .Attr("out_type: {int32, int64} = int32"),
      OpDefBuilder("Size")
          .Input("input: T")
          .Output("output: out_type")
          .Attr("T: type")
          .Attr("out_type: {int32, int64} = int32"),
      OpDefBuilder("Rank")
          .Input("input: T")
          .Output("output: int32")
          .Attr("T: type"),
      OpDefBuilder("Reshape")
          .Input("tensor: T")
          .Input("shape: Tshape")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tshape: {int32, int64} = int32"),
      OpDefBuilder("ExpandDims")
          .Input("input: T")
          .Input("dim: Tdim")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tdim: {int32, int64} = int32"),
      OpDefBuilder("Squeeze")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr("squeeze_dims: list(int) >= 0 = []"),
      OpDefBuilder("Fill")
          .Input("dims: index_type")
          .Input("value: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr("index_type: {int32, int64} = int32"),
      OpDefBuilder("ZerosLike")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: type"),
      OpDefBuilder("OnesLike")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double, int8, uint8, int16,"
               "uint16, int32, uint32, int64, uint64, complex64, complex128,"
               "bool}"),
      OpDefBuilder("Sum")
          .Input("input: T")
          .Input("reduction_indices: Tidx")
          .Output("output: T")
          .Attr("keep_dims: bool = false")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("Mean")
          .Input("input: T")
          .Input("reduction_indices: Tidx")
          .Output("output: T")
          .Attr("keep_dims: bool = false")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("Prod")
          .Input("input: T")
          .Input("reduction_indices: Tidx")
          .Output("output: T")
          .Attr("keep_dims: bool = false")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("Max")
          .Input("input: T")
          .Input("reduction_indices: Tidx")
          .Output("output: T")
          .Attr("keep_dims: bool = false")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64, qint8, quint8, qint32,"
               "qint16, quint16}")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("Min")
          .Input("input: T")
          .Input("reduction_indices: Tidx")
          .Output("output: T")
          .Attr("keep_dims: bool = false")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64, qint8, quint8, qint32,"
               "qint16, quint16}")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("ArgMax")
          .Input("input: T")
          .Input("dimension: Tidx")
          .Output("output: output_type")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64, qint8, quint8, qint32,"
               "qint16, quint16, bool}")
          .Attr("Tidx: {int16, int32, int64} = int32")
          .Attr("output_type: {int16, uint16, int32, int64} = int64"),
      OpDefBuilder("ArgMin")
          .Input("input: T")
          .Input("dimension: Tidx")
          .Output("output: output_type")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64, qint8, quint8, qint32,"
               "qint16, quint16, bool}")
          .Attr("Tidx: {int32, int64} = int32")
          .Attr("output_type: {int32, int64} = int64"),
      OpDefBuilder("Cast")
          .Input("x: SrcT")
          .Output("y: DstT")
          .Attr("SrcT: type")
          .Attr("DstT: type")
          .Attr("Truncate: bool = false"),
      OpDefBuilder("StopGradient")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("Pack")
          .Input("values: N * T")
          .Output("output: T")
          .Attr("N: int >= 1")
          .Attr("T: type")
          .Attr("axis: int = 0"),
      OpDefBuilder("Unpack")
          .Input("value: T")
          .Output("output: num * T")
          .Attr("num: int >= 0")
          .Attr("T: type")
          .Attr("axis: int = 0"),
      OpDefBuilder("Split")
          .Input("split_dim: int32")
          .Input("value: T")
          .Output("output: num_split * T")
          .Attr("num_split: int >= 1")
          .Attr("T: type"),
      OpDefBuilder("SplitV")
          .Input("value: T")
          .Input("size_splits: Tlen")
          .Input("split_dim: int32")
          .Output("output: num_split * T")
          .Attr("num_split: int >= 1")
          .Attr("T: type")
          .Attr("Tlen: {int8, int32, int64} = int64"),
      OpDefBuilder("ConcatV2")
          .Input("values: N * T")
          .Input("axis: Tidx")
          .Output("output: T")
          .Attr("N: int >= 2")
          .Attr("T: type")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("Slice")
          .Input("input: T")
          .Input("begin: Index")
          .Input("size: Index")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Index: {int32, int64}"),
      OpDefBuilder("StridedSlice")
          .Input("input: T")
          .Input("begin: Index")
          .Input("end: Index")
          .Input("strides: Index")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Index: {int16, int32, int64}")
          .Attr("begin_mask: int = 0")
          .Attr("end_mask: int = 0")
          .Attr("ellipsis_mask: int = 0")
          .Attr("new_axis_mask: int = 0")
          .Attr("shrink_axis_mask: int = 0"),
      OpDefBuilder("Tile")
          .Input("input: T")
          .Input("multiples: Tmultiples")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tmultiples: {int32, int64} = int32"),
      OpDefBuilder("Transpose")
          .Input("x: T")
          .Input("perm: Tperm")
          .Output("y: T")
          .Attr("T: type")
          .Attr("Tperm: {int32, int64} = int32"),
      OpDefBuilder("Range")
          .Input("start: Tidx")
          .Input("limit: Tidx")
          .Input("delta: Tidx")
          .Output("output: Tidx")
          .Attr("Tidx: {bfloat16, half, float, double, int8, int16, int32,"
               "int64, uint16, uint32, uint64} = int32"),
      OpDefBuilder("BroadcastGradientArgs")
          .Input("s0: T")
          .Input("s1: T")
          .Output("r0: T")
          .Output("r1: T")
          .Attr("T: {int32, int64} = int32"),
      OpDefBuilder("BroadcastTo")
          .Input("input: T")
          .Input("shape: Tidx")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tidx: {int32, int64} = int32"),
      OpDefBuilder("ApplyGradientDescent")
          .Input("var: Ref(T)")
          .Input("alpha: T")
          .Input("delta: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false"),
      OpDefBuilder("ApplyAdam")
          .Input("var: Ref(T)")
          .Input("m: Ref(T)")
          .Input("v: Ref(T)")
          .Input("beta1_power: T")
          .Input("beta2_power: T")
          .Input("lr: T")
          .Input("beta1: T")
          .Input("beta2: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("use_nesterov: bool = false"),
      OpDefBuilder("ApplyMomentum")
          .Input("var: Ref(T)")
          .Input("accum: Ref(T)")
          .Input("lr: T")
          .Input("grad: T")
          .Input("momentum: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("use_nesterov: bool = false"),
      OpDefBuilder("ResourceApplyGradientDescent")
          .Input("var: resource")
          .Input("alpha: T")
          .Input("delta: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .SetIsStateful(),
      OpDefBuilder("ResourceApplyAdam")
          .Input("var: resource")
          .Input("m: resource")
          .Input("v: resource")
          .Input("beta1_power: T")
          .Input("beta2_power: T")
          .Input("lr: T")
          .Input("beta1: T")
          .Input("beta2: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("use_nesterov: bool = false")
          .SetIsStateful(),
      OpDefBuilder("ResourceApplyMomentum")
          .Input("var: resource")
          .Input("accum: resource")
          .Input("lr: T")
          .Input("grad: T")
          .Input("momentum: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("use_nesterov: bool = false")
          .SetIsStateful(),
      OpDefBuilder("Switch")
          .Input("data: T")
          .Input("pred: bool")
          .Output("output_false: T")
          .Output("output_true: T")
          .Attr("T: type"),
      OpDefBuilder("Merge")
          .Input("inputs: N * T")
          .Output("output: T")
          .Output("value_index: int32")
          .Attr("T: type")
          .Attr("N: int >= 1"),
      OpDefBuilder("Enter")
          .Input("data: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr("frame_name: string")
          .Attr("is_constant: bool = false")
          .Attr("parallel_iterations: int = 10"),
      OpDefBuilder("Exit")
          .Input("data: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("NextIteration")
          .Input("data: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("LoopCond")
          .Input("input: bool")
          .Output("output: bool"),
      OpDefBuilder("RefSwitch")
          .Input("data: Ref(T)")
          .Input("pred: bool")
          .Output("output_false: Ref(T)")
          .Output("output_true: Ref(T)")
          .Attr("T: type")
          .SetAllowsUninitializedInput(),
      OpDefBuilder("RefMerge")
          .Input("inputs: Ref(N * T)")
          .Output("output: Ref(T)")
          .Output("value_index: int32")
          .Attr("T: type")
          .Attr("N: int >= 1"),
      OpDefBuilder("RefEnter")
          .Input("data: Ref(T)")
          .Output("output: Ref(T)")
          .Attr("T: type")
          .Attr("frame_name: string")
          .Attr("is_constant: bool = false")
          .Attr("parallel_iterations: int = 10"),
      OpDefBuilder("RefExit")
          .Input("data: Ref(T)")
          .Output("output: Ref(T)")
          .Attr("T: type"),
      OpDefBuilder("RefNextIteration")
          .Input("data: Ref(T)")
          .Output("output: Ref(T)")
          .Attr("T: type"),
      OpDefBuilder("Elu")
          .Input("features: T")
          .Output("activations: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("LeakyRelu")
          .Input("features: T")
          .Output("activations: T")
          .Attr("alpha: float = 0.20000000298023224")
          .Attr("T: {half, bfloat16, float, double} = float"),
      OpDefBuilder("Softplus")
          .Input("features: T")
          .Output("activations: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("SquaredDifference")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, int32, int64, complex64,"
               "complex128}")
          .SetIsCommutative(),
      OpDefBuilder("Floor")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double}"),
      OpDefBuilder("Ceil")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {bfloat16, half, float, double}"),
      OpDefBuilder("AvgPool")
          .Input("value: T")
          .Output("output: T")
          .Attr("ksize: list(int) >= 4")
          .Attr("strides: list(int) >= 4")
          .Attr(R"(padding: {"SAME", "VALID"})")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("DepthwiseConv2dNative")
          .Input("input: T")
          .Input("filter: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double}")
          .Attr("strides: list(int)")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("dilations: list(int) = [1, 1, 1, 1]"),
      OpDefBuilder("FusedBatchNorm")
          .Input("x: T")
          .Input("scale: T")
          .Input("offset: T")
          .Input("mean: T")
          .Input("variance: T")
          .Output("y: T")
          .Output("batch_mean: T")
          .Output("batch_variance: T")
          .Output("reserve_space_1: T")
          .Output("reserve_space_2: T")
          .Attr("T: {float}")
          .Attr("epsilon: float = 9.999999747378752e-05")
          .Attr("exponential_avg_factor: float = 1.0")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("is_training: bool = true"),
      OpDefBuilder("BatchMatMul")
          .Input("x: T")
          .Input("y: T")
          .Output("output: T")
          .Attr("T: {bfloat16, half, float, double, int32, int64, complex64,"
               "complex128}")
          .Attr("adj_x: bool = false")
          .Attr("adj_y: bool = false")
          .Attr("grad_x: bool = false")
          .Attr("grad_y: bool = false"),
      OpDefBuilder("Snapshot")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: type"),
      OpDefBuilder("Pad")
          .Input("input: T")
          .Input("paddings: Tpaddings")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tpaddings: {int32, int64} = int32"),
      OpDefBuilder("PadV2")
          .Input("input: T")
          .Input("paddings: Tpaddings")
          .Input("constant_values: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Tpaddings: {int32, int64} = int32"),
      OpDefBuilder("Gather")
          .Input("params: Tparams")
          .Input("indices: Tindices")
          .Output("output: Tparams")
          .Attr("validate_indices: bool = true")
          .Attr("Tparams: type")
          .Attr("Tindices: {int32, int64}"),
      OpDefBuilder("GatherV2")
          .Input("params: Tparams")
          .Input("indices: Tindices")
          .Input("axis: Taxis")
          .Output("output: Tparams")
          .Attr("batch_dims: int = 0")
          .Attr("Tparams: type")
          .Attr("Tindices: {int16, int32, int64}")
          .Attr("Taxis: {int32, int64}"),
      OpDefBuilder("ControlTrigger"),
      OpDefBuilder("PartitionedCall")
          .Input("args: Tin")
          .Output("output: Tout")
          .Attr("Tin: list(type) >= 0")
          .Attr("Tout: list(type) >= 0")
          .Attr("f: func")
          .Attr(R"(config: string = "")")
          .Attr(R"(config_proto: string = "")")
          .Attr(R"(executor_type: string = "")"),
      OpDefBuilder("StatefulPartitionedCall")
          .Input("args: Tin")
          .Output("output: Tout")
          .Attr("Tin: list(type) >= 0")
          .Attr("Tout: list(type) >= 0")
          .Attr("f: func")
          .Attr(R"(config: string = "")")
          .Attr(R"(config_proto: string = "")")
          .Attr(R"(executor_type: string = "")")
          .SetIsStateful()
          .SetIsDistributedCommunication(),
      // Gradient and optimizer ops of training graphs (issue 7).
      OpDefBuilder("Relu6Grad")
          .Input("gradients: T")
          .Input("features: T")
          .Output("backprops: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64}"),
      OpDefBuilder("SoftplusGrad")
          .Input("gradients: T")
          .Input("features: T")
          .Output("backprops: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("EluGrad")
          .Input("gradients: T")
          .Input("outputs: T")
          .Output("backprops: T")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("LeakyReluGrad")
          .Input("gradients: T")
          .Input("features: T")
          .Output("backprops: T")
          .Attr("alpha: float = 0.20000000298023224")
          .Attr("T: {half, bfloat16, float, double} = float"),
      OpDefBuilder("ReciprocalGrad")
          .Input("y: T")
          .Input("dy: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("RsqrtGrad")
          .Input("y: T")
          .Input("dy: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("SqrtGrad")
          .Input("y: T")
          .Input("dy: T")
          .Output("z: T")
          .Attr("T: {bfloat16, half, float, double, complex64, complex128}"),
      OpDefBuilder("DivNoNan")
          .Input("x: T")
          .Input("y: T")
          .Output("z: T")
          .Attr("T: {half, float, bfloat16, double, complex64, complex128}"),
      OpDefBuilder("ShapeN")
          .Input("input: N * T")
          .Output("output: N * out_type")
          .Attr("N: int >= 1")
          .Attr("T: type")
          .Attr("out_type: {int32, int64} = int32"),
      OpDefBuilder("DynamicStitch")
          .Input("indices: N * int32")
          .Input("data: N * T")
          .Output("merged: T")
          .Attr("N: int >= 1")
          .Attr("T: type"),
      OpDefBuilder("InvertPermutation")
          .Input("x: T")
          .Output("y: T")
          .Attr("T: {int32, int64} = int32"),
      OpDefBuilder("ConcatOffset")
          .Input("concat_dim: int32")
          .Input("shape: N * shape_type")
          .Output("offset: N * shape_type")
          .Attr("N: int >= 2")
          .Attr("shape_type: {int32, int64} = int32"),
      OpDefBuilder("UnsortedSegmentSum")
          .Input("data: T")
          .Input("segment_ids: Tindices")
          .Input("num_segments: Tnumsegments")
          .Output("output: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("Tindices: {int16, int32, int64}")
          .Attr("Tnumsegments: {int32, int64} = int32"),
      OpDefBuilder("StridedSliceGrad")
          .Input("shape: Index")
          .Input("begin: Index")
          .Input("end: Index")
          .Input("strides: Index")
          .Input("dy: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr("Index: {int32, int64}")
          .Attr("begin_mask: int = 0")
          .Attr("end_mask: int = 0")
          .Attr("ellipsis_mask: int = 0")
          .Attr("new_axis_mask: int = 0")
          .Attr("shrink_axis_mask: int = 0"),
      OpDefBuilder("Conv2DBackpropInput")
          .Input("input_sizes: int32")
          .Input("filter: T")
          .Input("out_backprop: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double, int32}")
          .Attr("strides: list(int)")
          .Attr("use_cudnn_on_gpu: bool = true")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("dilations: list(int) = [1, 1, 1, 1]"),
      OpDefBuilder("Conv2DBackpropFilter")
          .Input("input: T")
          .Input("filter_sizes: int32")
          .Input("out_backprop: T")
          .Output("output: T")
          .Attr("T: {half, bfloat16, float, double}")
          .Attr("strides: list(int)")
          .Attr("use_cudnn_on_gpu: bool = true")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("dilations: list(int) = [1, 1, 1, 1]"),
      OpDefBuilder("MaxPoolGrad")
          .Input("orig_input: T")
          .Input("orig_output: T")
          .Input("grad: T")
          .Output("output: T")
          .Attr("ksize: list(int) >= 4")
          .Attr("strides: list(int) >= 4")
          .Attr(R"(padding: {"SAME", "VALID", "EXPLICIT"})")
          .Attr("explicit_paddings: list(int) = []")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("T: {float, double, int32, uint8, int16, int8, int64,"
               "bfloat16, uint16, half, uint32, uint64} = float"),
      OpDefBuilder("AvgPoolGrad")
          .Input("orig_input_shape: int32")
          .Input("grad: T")
          .Output("output: T")
          .Attr("ksize: list(int) >= 4")
          .Attr("strides: list(int) >= 4")
          .Attr(R"(padding: {"SAME", "VALID"})")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("T: {half, bfloat16, float, double}"),
      OpDefBuilder("FusedBatchNormGrad")
          .Input("y_backprop: T")
          .Input("x: T")
          .Input("scale: T")
          .Input("reserve_space_1: T")
          .Input("reserve_space_2: T")
          .Output("x_backprop: T")
          .Output("scale_backprop: T")
          .Output("offset_backprop: T")
          .Output("reserve_space_3: T")
          .Output("reserve_space_4: T")
          .Attr("T: {float}")
          .Attr("epsilon: float = 9.999999747378752e-05")
          .Attr(R"(data_format: {"NHWC", "NCHW"} = "NHWC")")
          .Attr("is_training: bool = true"),
      OpDefBuilder("FusedBatchNormGradV3")
          .Input("y_backprop: T")
          .Input("x: T")
          .Input("scale: float")
          .Input("reserve_space_1: U")
          .Input("reserve_space_2: U")
          .Input("reserve_space_3: U")
          .Output("x_backprop: T")
          .Output("scale_backprop: U")
          .Output("offset_backprop: U")
          .Output("reserve_space_4: U")
          .Output("reserve_space_5: U")
          .Attr("T: {half, bfloat16, float}")
          .Attr("U: {float}")
          .Attr("epsilon: float = 9.999999747378752e-05")
          .Attr(R"(data_format: {"NHWC", "NCHW", "NDHWC", "NCDHW"} = "NHWC")")
          .Attr("is_training: bool = true"),
      OpDefBuilder("ApplyRMSProp")
          .Input("var: Ref(T)")
          .Input("ms: Ref(T)")
          .Input("mom: Ref(T)")
          .Input("lr: T")
          .Input("rho: T")
          .Input("momentum: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false"),
      OpDefBuilder("ApplyCenteredRMSProp")
          .Input("var: Ref(T)")
          .Input("mg: Ref(T)")
          .Input("ms: Ref(T)")
          .Input("mom: Ref(T)")
          .Input("lr: T")
          .Input("rho: T")
          .Input("momentum: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false"),
      OpDefBuilder("ApplyAdagrad")
          .Input("var: Ref(T)")
          .Input("accum: Ref(T)")
          .Input("lr: T")
          .Input("grad: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("update_slots: bool = true"),
      OpDefBuilder("ApplyAdagradV2")
          .Input("var: Ref(T)")
          .Input("accum: Ref(T)")
          .Input("lr: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Output("out: Ref(T)")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("update_slots: bool = true"),
      OpDefBuilder("ResourceApplyRMSProp")
          .Input("var: resource")
          .Input("ms: resource")
          .Input("mom: resource")
          .Input("lr: T")
          .Input("rho: T")
          .Input("momentum: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .SetIsStateful(),
      OpDefBuilder("ResourceApplyCenteredRMSProp")
          .Input("var: resource")
          .Input("mg: resource")
          .Input("ms: resource")
          .Input("mom: resource")
          .Input("lr: T")
          .Input("rho: T")
          .Input("momentum: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .SetIsStateful(),
      OpDefBuilder("ResourceApplyAdagrad")
          .Input("var: resource")
          .Input("accum: resource")
          .Input("lr: T")
          .Input("grad: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("update_slots: bool = true")
          .SetIsStateful(),
      OpDefBuilder("ResourceApplyAdagradV2")
          .Input("var: resource")
          .Input("accum: resource")
          .Input("lr: T")
          .Input("epsilon: T")
          .Input("grad: T")
          .Attr("T: {float, double, int32, uint8, int16, int8, complex64,"
               "int64, qint8, quint8, qint32, bfloat16, qint16, quint16,"
               "uint16, complex128, half, uint32, uint64}")
          .Attr("use_locking: bool = false")
          .Attr("update_slots: bool = true")
          .SetIsStateful(),
      OpDefBuilder("PreventGradient")
          .Input("input: T")
          .Output("output: T")
          .Attr("T: type")
          .Attr(R"(message: string = "")"),
  };
  for (const OpDefBuilder& op : ops) {
    TFCKPT_RETURN_IF_ERROR(registry->Register(op));
  }
  return OkStatus();
}

}  // namespace tfckpt
