// TF1's optimizers (tf.compat.v1.train.*Optimizer) on GraphBuilder graphs:
// Minimize adds the gradients, the slot variables and the update ops under
// TensorFlow's names ("w/Momentum", "w/Adam", "w/Adam_1", "beta1_power",
// "GradientDescent/update_w/ApplyGradientDescent", the train op
// "GradientDescent"), so a Saver writes the checkpoint keys TF would.
//
//   GradientDescentOptimizer sgd(0.1);
//   GraphVariable step = CreateGlobalStep(tf);
//   Operation train = sgd.Minimize(tf, loss, {}, &step);
//   TFCKPT_RETURN_IF_ERROR(tf.status());
//   session->Run(feeds, {}, {train.name()});
//
// Errors are kept in the builder's status(), as for every builder call.
#ifndef TFCKPT_OPTIMIZERS_H_
#define TFCKPT_OPTIMIZERS_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tfckpt/graph_builder.h"

namespace tfckpt {

// TF's get_or_create_global_step: the int64 scalar "global_step" (not
// trainable, in the "variables" and "global_step" collections); the
// existing one when the graph has it.
GraphVariable CreateGlobalStep(GraphBuilder& builder);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // TF's minimize: the gradients of `loss` for `var_list` (empty: every
  // trainable variable), then one update per variable with a gradient;
  // `global_step`, when given, is incremented after them. Returns the train
  // op, also added to the "train_op" collection.
  Operation Minimize(GraphBuilder& builder, const Output& loss,
                     const std::vector<GraphVariable>& var_list = {},
                     const GraphVariable* global_step = nullptr);

  // The slot `slot` ("momentum", "m", "v") of `variable`; invalid when
  // there is none.
  GraphVariable GetSlot(const GraphVariable& variable,
                        std::string_view slot) const;
  const std::string& name() const { return name_; }

 protected:
  explicit Optimizer(std::string name) : name_(std::move(name)) {}

  // Slot (and other) variables, made before the update ops.
  virtual void CreateSlots(GraphBuilder& builder,
                           const std::vector<GraphVariable>& vars);
  // The hyperparameter constants, inside the optimizer's name scope.
  virtual void Prepare(GraphBuilder& builder) = 0;
  // The update of one variable, inside "<name>/update_<var>".
  virtual Operation ApplyDense(GraphBuilder& builder, const Output& grad,
                               const GraphVariable& variable) = 0;
  // The op that completes a step: a NoOp over `updates` named `scope`
  // (the full name).
  virtual Operation Finish(GraphBuilder& builder,
                           const std::vector<Operation>& updates,
                           const std::string& scope);

  // A slot initialized to zeros, "<var>/<op_name>", kept as `slot`.
  void ZerosSlot(GraphBuilder& builder, const GraphVariable& variable,
                 std::string_view slot, std::string_view op_name);
  // A hyperparameter as a float Const in the current scope.
  static Output Hyperparameter(GraphBuilder& builder, double value,
                               std::string_view name);
  // The value of `variable` an update op reads (the snapshot, or a new
  // ReadVariableOp for a resource variable).
  static Output ReadValue(GraphBuilder& builder, const GraphVariable& variable);

 private:
  std::string name_;
  // (variable op name, slot name) -> slot variable.
  std::map<std::pair<std::string, std::string>, GraphVariable> slots_;
};

// TF's GradientDescentOptimizer: var -= learning_rate * grad.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(double learning_rate)
      : Optimizer("GradientDescent"), learning_rate_(learning_rate) {}

 private:
  void Prepare(GraphBuilder& builder) override;
  Operation ApplyDense(GraphBuilder& builder, const Output& grad,
                       const GraphVariable& variable) override;

  double learning_rate_;
  Output learning_rate_tensor_;
};

// TF's MomentumOptimizer: accum = momentum * accum + grad,
// var -= learning_rate * accum (slot "momentum", variable "<var>/Momentum").
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(double learning_rate, double momentum,
                    bool use_nesterov = false)
      : Optimizer("Momentum"),
        learning_rate_(learning_rate),
        momentum_(momentum),
        use_nesterov_(use_nesterov) {}

 private:
  void CreateSlots(GraphBuilder& builder,
                   const std::vector<GraphVariable>& vars) override;
  void Prepare(GraphBuilder& builder) override;
  Operation ApplyDense(GraphBuilder& builder, const Output& grad,
                       const GraphVariable& variable) override;

  double learning_rate_;
  double momentum_;
  bool use_nesterov_;
  Output learning_rate_tensor_;
  Output momentum_tensor_;
};

// TF's AdamOptimizer: slots "m" ("<var>/Adam") and "v" ("<var>/Adam_1"),
// and the non-slot variables "beta1_power" and "beta2_power".
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(double learning_rate = 0.001, double beta1 = 0.9,
                         double beta2 = 0.999, double epsilon = 1e-8)
      : Optimizer("Adam"),
        learning_rate_(learning_rate),
        beta1_(beta1),
        beta2_(beta2),
        epsilon_(epsilon) {}

 private:
  void CreateSlots(GraphBuilder& builder,
                   const std::vector<GraphVariable>& vars) override;
  void Prepare(GraphBuilder& builder) override;
  Operation ApplyDense(GraphBuilder& builder, const Output& grad,
                       const GraphVariable& variable) override;
  Operation Finish(GraphBuilder& builder, const std::vector<Operation>& updates,
                   const std::string& scope) override;

  double learning_rate_;
  double beta1_;
  double beta2_;
  double epsilon_;
  GraphVariable beta1_power_;
  GraphVariable beta2_power_;
  Output learning_rate_tensor_;
  Output beta1_tensor_;
  Output beta2_tensor_;
  Output epsilon_tensor_;
};

}  // namespace tfckpt

#endif  // TFCKPT_OPTIMIZERS_H_
