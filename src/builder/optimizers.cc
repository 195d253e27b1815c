// Optimizers: TF1's Optimizer.minimize (compute_gradients + apply_gradients)
// with its slot creation and op names.
#include "tfckpt/optimizers.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tfckpt/gradients.h"

namespace tfckpt {
namespace {

using tensorflow::AttrValue;

AttrValue BoolAttr(bool value) {
  AttrValue attr;
  attr.set_b(value);
  return attr;
}

AttrValue TypeAttr(DataType dtype) {
  AttrValue attr;
  attr.set_type(static_cast<tensorflow::DataType>(dtype));
  return attr;
}

bool IsResource(const GraphVariable& variable) {
  return variable.variable().def.is_resource();
}

// An op that updates a variable: the reference form ("ApplyAdam") on a
// VariableV2, the resource form ("ResourceApplyAdam") on a VarHandleOp.
Operation ApplyOp(GraphBuilder& builder, const std::string& op,
                  const GraphVariable& variable, std::vector<Input> inputs,
                  std::map<std::string, AttrValue> attrs) {
  const bool resource = IsResource(variable);
  const std::string type = resource ? "Resource" + op : op;
  std::vector<Output> out = builder.AddOp(type, inputs, std::move(attrs));
  return out.empty() ? Operation() : Operation{out[0].node()};
}

}  // namespace

GraphVariable CreateGlobalStep(GraphBuilder& builder) {
  if (!builder.status().ok()) return GraphVariable();
  auto existing = builder.graph()->GetVariables("global_step");
  if (existing.ok() && !existing->empty())
    return builder.AsGraphVariable(existing->front());
  Output zeros;
  {
    GraphBuilder::ScopeGuard scope =
        builder.NameScope("global_step/Initializer/");
    zeros = builder.Zeros({}, DataType::kInt64, "zeros");
  }
  GraphVariable step =
      builder.Variable(zeros, "global_step/", {.trainable = false});
  if (!step.valid()) return step;
  Status added = builder.graph()->AddVariableToCollection("global_step",
                                                          step.variable().def);
  if (!added.ok()) {
    builder.RecordError(added);
    return GraphVariable();
  }
  return step;
}

Operation Optimizer::Minimize(GraphBuilder& builder, const Output& loss,
                              const std::vector<GraphVariable>& var_list,
                              const GraphVariable* global_step) {
  if (!builder.status().ok()) return Operation();
  std::vector<GraphVariable> vars = var_list;
  if (vars.empty()) {
    auto trainable = builder.graph()->GetVariables("trainable_variables");
    if (!trainable.ok()) {
      builder.RecordError(trainable.status());
      return Operation();
    }
    for (const Variable& variable : *trainable)
      vars.push_back(builder.AsGraphVariable(variable));
  }
  if (vars.empty()) {
    builder.RecordError(InvalidArgumentError("No variables to optimize."));
    return Operation();
  }
  // compute_gradients: d(loss)/d(variable), gated per op (TF's GATE_OP).
  std::vector<Output> refs;
  for (const GraphVariable& variable : vars)
    refs.push_back(VariableRef(builder, variable));
  GradientsOptions options;
  options.gate_gradients = true;
  std::vector<Output> grads = Gradients(builder, {loss}, refs, {}, options);
  if (!builder.status().ok()) return Operation();
  if (std::none_of(grads.begin(), grads.end(),
                   [](const Output& g) { return g.valid(); })) {
    std::string names;
    for (const GraphVariable& variable : vars) {
      names += (names.empty() ? "" : ", ") + variable.variable().name();
    }
    builder.RecordError(
        InvalidArgumentError("No gradients provided for any variable, check "
                             "your graph for ops that do not "
                             "support gradients, between variables [" +
                             names + "] and loss " + loss.name()));
    return Operation();
  }

  // apply_gradients.
  std::vector<GraphVariable> updated;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (grads[i].valid()) updated.push_back(vars[i]);
  }
  CreateSlots(builder, updated);
  GraphBuilder::ScopeGuard scope = builder.NameScope(name_);
  const std::string scope_name = builder.graph()->name_scope();
  Prepare(builder);
  std::vector<Operation> updates;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!grads[i].valid()) continue;
    GraphBuilder::ScopeGuard update_scope =
        builder.NameScope("update_" + vars[i].variable().name());
    updates.push_back(ApplyDense(builder, grads[i], vars[i]));
  }
  if (!builder.status().ok()) return Operation();
  Operation train_op;
  if (global_step == nullptr) {
    train_op = Finish(builder, updates, scope_name);
  } else {
    const Operation finished = Finish(builder, updates, scope_name + "/update");
    const std::string op =
        IsResource(*global_step) ? "AssignAddVariableOp" : "AssignAdd";
    std::map<std::string, AttrValue> attrs;
    if (IsResource(*global_step))
      attrs["dtype"] = TypeAttr(global_step->dtype());
    Output one_tensor = builder.Fill(1.0, {}, global_step->dtype(), "value");
    std::vector<Output> increment =
        builder.AddOp(op, {VariableRef(builder, *global_step), one_tensor},
                      std::move(attrs), scope_name + "/", {finished});
    if (!increment.empty()) train_op = Operation{increment[0].node()};
  }
  if (!builder.status().ok() || !train_op.valid()) return Operation();
  Status added =
      builder.graph()->AddToCollection("train_op", GraphElement{train_op.node});
  if (!added.ok()) {
    builder.RecordError(added);
    return Operation();
  }
  return train_op;
}

GraphVariable Optimizer::GetSlot(const GraphVariable& variable,
                                 std::string_view slot) const {
  if (!variable.valid()) return GraphVariable();
  auto it = slots_.find({variable.variable().name(), std::string(slot)});
  return it == slots_.end() ? GraphVariable() : it->second;
}

void Optimizer::CreateSlots(GraphBuilder&, const std::vector<GraphVariable>&) {}

Operation Optimizer::Finish(GraphBuilder& builder,
                            const std::vector<Operation>& updates,
                            const std::string& scope) {
  std::vector<Output> group =
      builder.AddOp("NoOp", {}, {}, scope + "/", updates);
  return group.empty() ? Operation() : Operation{group[0].node()};
}

void Optimizer::ZerosSlot(GraphBuilder& builder, const GraphVariable& variable,
                          std::string_view slot, std::string_view op_name) {
  const std::string name =
      variable.variable().name() + "/" + std::string(op_name);
  const PartialShape shape = variable.shape();
  if (!shape.fully_defined()) {
    builder.RecordError(UnimplementedError(
        "Slot '" + name + "' needs the shape of " + variable.variable().name() +
        " fully known, not " + shape.ToString()));
    return;
  }
  Output zeros;
  {
    GraphBuilder::ScopeGuard scope = builder.NameScope(name + "/Initializer/");
    zeros = builder.Zeros(shape.dims(), variable.dtype(), "zeros");
  }
  GraphVariable created = builder.Variable(
      zeros, name + "/",
      {.trainable = false, .use_resource = IsResource(variable)});
  if (created.valid())
    slots_[{variable.variable().name(), std::string(slot)}] = created;
}

Output Optimizer::Hyperparameter(GraphBuilder& builder, double value,
                                 std::string_view name) {
  return builder.Fill(value, {}, DataType::kFloat, name);
}

Output Optimizer::ReadValue(GraphBuilder& builder,
                            const GraphVariable& variable) {
  if (!IsResource(variable)) return variable;
  std::vector<Output> read =
      builder.AddOp("ReadVariableOp", {VariableRef(builder, variable)},
                    {{"dtype", TypeAttr(variable.dtype())}});
  return read.empty() ? Output() : read[0];
}

// --- GradientDescent
// ----------------------------------------------------------

void GradientDescentOptimizer::Prepare(GraphBuilder& builder) {
  learning_rate_tensor_ =
      Hyperparameter(builder, learning_rate_, "learning_rate");
}

Operation GradientDescentOptimizer::ApplyDense(GraphBuilder& builder,
                                               const Output& grad,
                                               const GraphVariable& variable) {
  return ApplyOp(builder, "ApplyGradientDescent", variable,
                 {VariableRef(builder, variable), learning_rate_tensor_, grad},
                 {{"use_locking", BoolAttr(false)}});
}

// --- Momentum
// -----------------------------------------------------------------

void MomentumOptimizer::CreateSlots(GraphBuilder& builder,
                                    const std::vector<GraphVariable>& vars) {
  for (const GraphVariable& variable : vars)
    ZerosSlot(builder, variable, "momentum", name());
}

void MomentumOptimizer::Prepare(GraphBuilder& builder) {
  learning_rate_tensor_ =
      Hyperparameter(builder, learning_rate_, "learning_rate");
  momentum_tensor_ = Hyperparameter(builder, momentum_, "momentum");
}

Operation MomentumOptimizer::ApplyDense(GraphBuilder& builder,
                                        const Output& grad,
                                        const GraphVariable& variable) {
  const GraphVariable accum = GetSlot(variable, "momentum");
  if (!accum.valid()) return Operation();
  return ApplyOp(builder, "ApplyMomentum", variable,
                 {VariableRef(builder, variable), VariableRef(builder, accum),
                  learning_rate_tensor_, grad, momentum_tensor_},
                 {{"use_locking", BoolAttr(false)},
                  {"use_nesterov", BoolAttr(use_nesterov_)}});
}

// --- Adam
// ---------------------------------------------------------------------

void AdamOptimizer::CreateSlots(GraphBuilder& builder,
                                const std::vector<GraphVariable>& vars) {
  // The power accumulators live beside the variable whose name sorts first.
  const auto first =
      std::min_element(vars.begin(), vars.end(),
                       [](const GraphVariable& a, const GraphVariable& b) {
                         return a.variable().name() < b.variable().name();
                       });
  if (first == vars.end()) return;
  const VariableOptions options = {.trainable = false,
                                   .use_resource = IsResource(*first)};
  beta1_power_ =
      builder.Variable(static_cast<float>(beta1_), "beta1_power", options);
  beta2_power_ =
      builder.Variable(static_cast<float>(beta2_), "beta2_power", options);
  for (const GraphVariable& variable : vars) {
    ZerosSlot(builder, variable, "m", name());
    ZerosSlot(builder, variable, "v", name() + "_1");
  }
}

void AdamOptimizer::Prepare(GraphBuilder& builder) {
  learning_rate_tensor_ =
      Hyperparameter(builder, learning_rate_, "learning_rate");
  beta1_tensor_ = Hyperparameter(builder, beta1_, "beta1");
  beta2_tensor_ = Hyperparameter(builder, beta2_, "beta2");
  epsilon_tensor_ = Hyperparameter(builder, epsilon_, "epsilon");
}

Operation AdamOptimizer::ApplyDense(GraphBuilder& builder, const Output& grad,
                                    const GraphVariable& variable) {
  const GraphVariable m = GetSlot(variable, "m");
  const GraphVariable v = GetSlot(variable, "v");
  if (!m.valid() || !v.valid()) return Operation();
  Output beta1_power = ReadValue(builder, beta1_power_);
  Output beta2_power = ReadValue(builder, beta2_power_);
  return ApplyOp(
      builder, "ApplyAdam", variable,
      {VariableRef(builder, variable), VariableRef(builder, m),
       VariableRef(builder, v), beta1_power, beta2_power, learning_rate_tensor_,
       beta1_tensor_, beta2_tensor_, epsilon_tensor_, grad},
      {{"use_locking", BoolAttr(false)}, {"use_nesterov", BoolAttr(false)}});
}

Operation AdamOptimizer::Finish(GraphBuilder& builder,
                                const std::vector<Operation>& updates,
                                const std::string& scope) {
  // The accumulators advance once the step's updates have read them.
  std::vector<Operation> deps = updates;
  for (auto [power, beta] : {std::pair{&beta1_power_, &beta1_tensor_},
                             std::pair{&beta2_power_, &beta2_tensor_}}) {
    Output current = ReadValue(builder, *power);
    std::vector<Output> next =
        builder.AddOp("Mul", {current, *beta}, {}, "mul", updates);
    if (next.empty()) return Operation();
    Output assigned = builder.Assign(*power, next[0]);
    if (!assigned.valid()) return Operation();
    deps.push_back(Operation{assigned.node()});
  }
  return Optimizer::Finish(builder, deps, scope);
}

}  // namespace tfckpt
