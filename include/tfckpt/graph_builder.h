// GraphBuilder: builds TensorFlow graphs in C++ the way TF1's Python API does,
// with the same node names, op types, attrs and collections, so that a graph
// built here exports to a .meta that TensorFlow imports as its own.
//
//   Graph graph;
//   GraphBuilder tf(&graph);
//   GraphVariable w1 = tf.Variable(tf.RandomNormal({2}), "w1");
//   Output x = tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "x");
//   Output y = tf.Multiply(x + w1, 2.0, "y");      // "add", "y/y", "y"
//   Operation init = tf.GlobalVariablesInitializer();  // "init"
//   TFCKPT_RETURN_IF_ERROR(tf.status());
//
// Errors are sticky, as in TensorFlow's C++ Scope: the first failure (a shape
// or dtype mismatch found by build-time shape inference, a name that does not
// exist, ...) is kept in status(), with TensorFlow's message, and every later
// call returns an invalid Output and adds nothing. Check status() once after
// building.
//
// Names follow TF: an op gets its own name scope ("mul", "mul_1", ...),
// constants made from numbers inside it are named after the op's input
// ("mul/y"), and NameScope() nests scopes. Variables are TF1 reference
// variables (VariableV2, "w1/Assign", "w1/read") unless use_resource is set
// (VarHandleOp, "w1/Assign", "w1/Read/ReadVariableOp").
//
// Node names follow creation order, and C++ leaves the order in which a
// call's arguments are evaluated unspecified: tf.MatMul(tf.Zeros(..),
// tf.Zeros(..)) may name the second "zeros". Make nodes in separate
// statements where their names matter.
//
// Thread safety: a builder and its graph need outside synchronization.
#ifndef TFCKPT_GRAPH_BUILDER_H_
#define TFCKPT_GRAPH_BUILDER_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/tensor_shape.pb.h"
#include "tfckpt/dtype.h"
#include "tfckpt/graph.h"
#include "tfckpt/partial_shape.h"
#include "tfckpt/status.h"
#include "tfckpt/tensor.h"

namespace tfckpt {

class GraphBuilder;
namespace internal {
class ShapeRefiner;
}  // namespace internal

// One output of an operation in a builder's graph (TF's tf.Tensor). Invalid
// (default-constructed) when the op that should have made it failed.
class Output {
 public:
  Output() = default;

  bool valid() const { return node_ != nullptr; }
  const Node* node() const { return node_; }
  int index() const { return index_; }
  // "w1:0".
  std::string name() const;
  DataType dtype() const;
  // The shape inferred when it was built (unknown for an invalid Output).
  PartialShape shape() const;
  GraphBuilder* builder() const { return builder_; }

 private:
  friend class GraphBuilder;
  Output(GraphBuilder* builder, const Node* node, int index)
      : builder_(builder), node_(node), index_(index) {}

  GraphBuilder* builder_ = nullptr;
  const Node* node_ = nullptr;
  int index_ = 0;
};

// An operation without outputs of interest (NoOp, Assign run for its effect,
// the initializer). Session::Run takes name() as a target.
struct Operation {
  const Node* node = nullptr;
  bool valid() const { return node != nullptr; }
  std::string name() const { return node == nullptr ? "" : node->name(); }
};

// A variable made by GraphBuilder::Variable (TF's tf.Variable). Used where a
// tensor is expected it is its current value ("w1/read:0").
class GraphVariable : public Output {
 public:
  GraphVariable() = default;

  // The variable op ("w1"); its name is the default checkpoint key.
  const Node* op() const { return variable_.node; }
  // The initializer ("w1/Assign").
  Operation initializer() const { return initializer_; }
  // The VariableDef view the Saver and the collections use.
  const Variable& variable() const { return variable_; }

 private:
  friend class GraphBuilder;
  GraphVariable(Output value, Variable variable, Operation initializer)
      : Output(value),
        variable_(std::move(variable)),
        initializer_(initializer) {}

  Variable variable_;
  Operation initializer_;
};

// An op input: a tensor, or a constant converted as TF converts Python values
// (a number takes the dtype of the op's other inputs where it has one;
// otherwise float for 2.5, int32 for 2).
class Input {
 public:
  Input(const Output& output) : output_(output) {}  // NOLINT: implicit
  Input(double value) : numbers_{value}, is_integer_(false) {}  // NOLINT
  Input(float value) : Input(static_cast<double>(value)) {}     // NOLINT
  Input(int value) : numbers_{static_cast<double>(value)} {}    // NOLINT
  Input(int64_t value) : numbers_{static_cast<double>(value)} {}  // NOLINT
  // A list of integers: shapes, axes, permutations (int32, vector).
  Input(std::initializer_list<int64_t> values);  // NOLINT: implicit
  Input(const Tensor& value) : tensor_(value), has_tensor_(true) {}  // NOLINT

 private:
  friend class GraphBuilder;
  Output output_;
  Tensor tensor_;
  bool has_tensor_ = false;
  std::vector<double> numbers_;
  bool is_list_ = false;
  bool is_integer_ = true;
};

struct VariableOptions {
  bool trainable = true;
  // Resource variable (VarHandleOp) instead of a reference one.
  bool use_resource = false;
  // The variable's dtype; the initial value is converted to it. Default: the
  // initial value's.
  std::optional<DataType> dtype = std::nullopt;
};

struct RandomOptions {
  double mean = 0.0;    // RandomNormal, TruncatedNormal
  double stddev = 1.0;  // RandomNormal, TruncatedNormal
  double minval = 0.0;  // RandomUniform
  double maxval = 1.0;  // RandomUniform
  DataType dtype = DataType::kFloat;
  // The op-level seed; with the graph seed it decides seed/seed2 as TF's
  // get_seed does.
  std::optional<int64_t> seed = std::nullopt;
};

struct ConvOptions {
  std::vector<int64_t> strides = {1, 1, 1, 1};
  std::string padding = "VALID";
  std::string data_format = "NHWC";
};

class GraphBuilder {
 public:
  // Builds into `graph` (which may already hold nodes, e.g. an imported meta
  // graph); `graph` must outlive the builder.
  explicit GraphBuilder(Graph* graph);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  // OK, or the first error.
  const Status& status() const { return status_; }
  Graph* graph() const { return graph_; }

  // TF's tf.compat.v1.set_random_seed: the graph-level seed.
  void SetRandomSeed(int64_t seed) { graph_seed_ = seed; }

  // A name scope for the life of the returned object (TF's
  // `with tf.name_scope("layer1"):`).
  class ScopeGuard {
   public:
    ~ScopeGuard();
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;

   private:
    friend class GraphBuilder;
    explicit ScopeGuard(Graph* graph) : graph_(graph) {}
    Graph* graph_;
  };
  [[nodiscard]] ScopeGuard NameScope(std::string_view name);

  // --- Look-ups (graph.get_tensor_by_name / get_operation_by_name) ---------
  Output GetTensorByName(std::string_view name);
  Operation GetOperationByName(std::string_view name);
  // The variables of the "variables" collection, including imported ones.
  std::vector<tfckpt::Variable> GlobalVariables();

  // --- Constants, placeholders, variables ----------------------------------
  Output Constant(const Input& value, std::string_view name = "");
  // TF's tf.constant(value, dtype, shape): one value repeated over `shape`.
  Output Fill(double value, std::vector<int64_t> shape,
              DataType dtype = DataType::kFloat, std::string_view name = "");
  Output Zeros(std::vector<int64_t> shape, DataType dtype = DataType::kFloat,
               std::string_view name = "");
  Output Ones(std::vector<int64_t> shape, DataType dtype = DataType::kFloat,
              std::string_view name = "");
  Output Placeholder(DataType dtype, const PartialShape& shape = {},
                     std::string_view name = "");
  GraphVariable Variable(const Input& initial_value, std::string_view name = "",
                         const VariableOptions& options = {});
  Operation GlobalVariablesInitializer(std::string_view name = "init");
  // Initializes only `variables` (TF's variables_initializer), e.g. the new
  // layers of a fine-tuned model.
  Operation VariablesInitializer(const std::vector<GraphVariable>& variables,
                                 std::string_view name = "init");
  Output Assign(const GraphVariable& variable, const Input& value,
                std::string_view name = "");
  Output AssignAdd(const GraphVariable& variable, const Input& value,
                   std::string_view name = "");
  Output AssignSub(const GraphVariable& variable, const Input& value,
                   std::string_view name = "");

  // --- Random initializers --------------------------------------------------
  Output RandomNormal(std::vector<int64_t> shape, const RandomOptions& options = {},
                      std::string_view name = "");
  Output TruncatedNormal(std::vector<int64_t> shape,
                         const RandomOptions& options = {},
                         std::string_view name = "");
  Output RandomUniform(std::vector<int64_t> shape,
                       const RandomOptions& options = {},
                       std::string_view name = "");

  // --- Math -----------------------------------------------------------------
  Output Add(const Input& x, const Input& y, std::string_view name = "");
  Output Subtract(const Input& x, const Input& y, std::string_view name = "");
  Output Multiply(const Input& x, const Input& y, std::string_view name = "");
  // TF's truediv: RealDiv on floating-point inputs.
  Output Divide(const Input& x, const Input& y, std::string_view name = "");
  Output Maximum(const Input& x, const Input& y, std::string_view name = "");
  Output Minimum(const Input& x, const Input& y, std::string_view name = "");
  Output Pow(const Input& x, const Input& y, std::string_view name = "");
  Output SquaredDifference(const Input& x, const Input& y,
                           std::string_view name = "");
  Output Equal(const Input& x, const Input& y, std::string_view name = "");
  Output Less(const Input& x, const Input& y, std::string_view name = "");
  Output Greater(const Input& x, const Input& y, std::string_view name = "");
  Output Negative(const Input& x, std::string_view name = "");
  Output Abs(const Input& x, std::string_view name = "");
  Output Square(const Input& x, std::string_view name = "");
  Output Sqrt(const Input& x, std::string_view name = "");
  Output Exp(const Input& x, std::string_view name = "");
  Output Log(const Input& x, std::string_view name = "");
  Output MatMul(const Input& a, const Input& b, bool transpose_a = false,
                bool transpose_b = false, std::string_view name = "");
  Output Cast(const Input& x, DataType dtype, std::string_view name = "");
  Output ReduceSum(const Input& x, std::vector<int64_t> axes = {},
                   bool keepdims = false, std::string_view name = "");
  Output ReduceMean(const Input& x, std::vector<int64_t> axes = {},
                    bool keepdims = false, std::string_view name = "");
  Output ReduceMax(const Input& x, std::vector<int64_t> axes = {},
                   bool keepdims = false, std::string_view name = "");
  Output ArgMax(const Input& x, int64_t axis, std::string_view name = "");

  // --- Neural networks ------------------------------------------------------
  Output BiasAdd(const Input& value, const Input& bias,
                 std::string_view name = "");
  Output Relu(const Input& x, std::string_view name = "");
  Output Relu6(const Input& x, std::string_view name = "");
  Output Sigmoid(const Input& x, std::string_view name = "");
  Output Tanh(const Input& x, std::string_view name = "");
  Output Softmax(const Input& logits, std::string_view name = "");
  Output LogSoftmax(const Input& logits, std::string_view name = "");
  // The per-example loss of tf.nn.softmax_cross_entropy_with_logits.
  Output SoftmaxCrossEntropyWithLogits(const Input& labels, const Input& logits,
                                       std::string_view name = "");
  Output L2Loss(const Input& x, std::string_view name = "");
  Output Conv2D(const Input& input, const Input& filter,
                const ConvOptions& options = {}, std::string_view name = "");
  Output MaxPool(const Input& input, std::vector<int64_t> ksize,
                 const ConvOptions& options = {}, std::string_view name = "");
  Output AvgPool(const Input& input, std::vector<int64_t> ksize,
                 const ConvOptions& options = {}, std::string_view name = "");

  // --- Arrays ---------------------------------------------------------------
  Output Identity(const Input& x, std::string_view name = "");
  // Blocks gradients (the fine-tuning cut of the tutorial).
  Output StopGradient(const Input& x, std::string_view name = "");
  Output Reshape(const Input& x, const Input& shape, std::string_view name = "");
  Output ExpandDims(const Input& x, int64_t axis, std::string_view name = "");
  Output Transpose(const Input& x, std::vector<int64_t> perm,
                   std::string_view name = "");
  Output Concat(const std::vector<Output>& values, int64_t axis,
                std::string_view name = "");
  Output Shape(const Input& x, std::string_view name = "");
  Output ZerosLike(const Input& x, std::string_view name = "");

  // --- Control --------------------------------------------------------------
  // A NoOp that runs `deps` (TF's tf.group).
  Operation Group(const std::vector<Operation>& deps,
                  std::string_view name = "");

  // --- Low level ------------------------------------------------------------
  // Adds one node of `op` with `inputs` and `attrs` (OpDef defaults filled,
  // "T"-style type attrs inferred from the inputs where the OpDef ties them),
  // runs shape inference and returns all its outputs. `name` empty: the op
  // type. For ops without a wrapper above.
  std::vector<Output> AddOp(std::string_view op, const std::vector<Input>& inputs,
                            std::map<std::string, tensorflow::AttrValue> attrs,
                            std::string_view name = "",
                            const std::vector<Operation>& control_inputs = {});

  // The build-time shape of `output` (imported nodes: their "_output_shapes"
  // attr, else inferred where the op allows).
  PartialShape ShapeOf(const Output& output);

  // For code that builds on GraphBuilder (Gradients, optimizers): keeps
  // `status` as the builder's error unless an earlier one is kept.
  void RecordError(Status status) { Fail(std::move(status)); }
  // The GraphVariable view of a variable of this graph, e.g. one of
  // GlobalVariables() of an imported meta graph.
  GraphVariable AsGraphVariable(const tfckpt::Variable& variable);

 private:
  Output Wrap(const Node* node, int index) { return Output(this, node, index); }
  Output BinaryOp(std::string_view op, std::string_view default_name,
                  const Input& x, const Input& y, std::string_view name);
  Output UnaryOp(std::string_view op, const Input& x, std::string_view name);
  Output Pool(std::string_view op, const Input& input, std::vector<int64_t> ksize,
              const ConvOptions& options, std::string_view name);
  Output Reduction(std::string_view op, std::string_view default_name,
                   const Input& x, std::vector<int64_t> axes, bool keepdims,
                   std::string_view name);
  Output RandomOp(std::string_view op, std::string_view default_name,
                  std::vector<int64_t> shape, const RandomOptions& options,
                  std::string_view name);
  Output AssignOp(std::string_view ref_op, std::string_view resource_op,
                  const GraphVariable& variable, const Input& value,
                  std::string_view name);
  // Adds one node in the current scope; `exact_name` is the full node name.
  std::vector<Output> AddNodeNamed(std::string exact_name, std::string_view op,
                                   const std::vector<Output>& inputs,
                                   std::map<std::string, tensorflow::AttrValue> attrs,
                                   const std::vector<Operation>& control_inputs);
  // Converts `input` to a tensor, making a Const named `const_name` (in the
  // current scope) for a literal; `dtype_hint` as TF's convert_to_tensor.
  Output ToTensor(const Input& input, std::string_view const_name,
                  std::optional<DataType> dtype_hint);
  // A Const named `name` in the current scope; `broadcast`: every element
  // of `value` is the same, written once as TF's tf.constant(v, shape=...).
  Output ConstantNamed(const Tensor& value, std::string_view name,
                       bool broadcast = false);
  std::pair<int64_t, int64_t> RandomSeeds(std::optional<int64_t> op_seed);
  bool Fail(Status status);
  bool CheckValid(std::initializer_list<const Output*> outputs);

  Graph* graph_;
  Status status_;
  std::optional<int64_t> graph_seed_;
  int64_t seed_counter_ = 0;
  // Build-time shapes of every node seen (imported ones from their
  // "_output_shapes", as TF's importer takes them).
  std::unique_ptr<internal::ShapeRefiner> shapes_;
};

// Arithmetic as TF's operator overloads: "add", "sub", "mul", "truediv",
// "Neg"; numbers become constants of the tensor's dtype ("mul/y").
Output operator+(const Output& x, const Output& y);
Output operator+(const Output& x, double y);
Output operator+(double x, const Output& y);
Output operator-(const Output& x, const Output& y);
Output operator-(const Output& x, double y);
Output operator-(double x, const Output& y);
Output operator*(const Output& x, const Output& y);
Output operator*(const Output& x, double y);
Output operator*(double x, const Output& y);
Output operator/(const Output& x, const Output& y);
Output operator/(const Output& x, double y);
Output operator/(double x, const Output& y);
Output operator-(const Output& x);

}  // namespace tfckpt

#endif  // TFCKPT_GRAPH_BUILDER_H_
