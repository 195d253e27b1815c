// Graph plumbing and variables: Const, Identity, NoOp, placeholders,
// reference variables (VariableV2 + Assign*) and resource variables
// (VarHandleOp + *VariableOp).
#include "src/core/proto_conversions.h"
#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

StatusOr<Fn> MakeConst(const Node& node) {
  const tensorflow::AttrValue* value = node.FindAttr("value");
  if (value == nullptr || !value->has_tensor()) {
    return InvalidArgumentError("Node '" + node.name() +
                                "' (op 'Const'): missing attr 'value'");
  }
  auto tensor = TensorFromProto(value->tensor());
  if (!tensor.ok()) {
    return tensor.status().WithContext("Node '" + node.name() + "'");
  }
  // Consumers trust the declared dtype: a value of another one would be read
  // as the wrong element type (and size).
  if (!node.output_types().empty() && tensor->dtype() != node.output_types()[0]) {
    return InvalidArgumentError(
        "Node '" + node.name() + "' (op 'Const'): value has dtype " +
        std::string(DataTypeName(tensor->dtype())) + " but attr dtype is " +
        std::string(DataTypeName(node.output_types()[0])));
  }
  return Fn([t = *tensor](OpKernelContext* ctx) {
    ctx->set_output(0, t);
    return OkStatus();
  });
}

// Forwards every input to the output of the same position.
StatusOr<Fn> MakeIdentity(const Node&) {
  return Fn([](OpKernelContext* ctx) {
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      ctx->set_output(i, ctx->input(i));
    }
    return OkStatus();
  });
}

StatusOr<Fn> MakeNoOp(const Node&) {
  return Fn([](OpKernelContext*) { return OkStatus(); });
}

// A fully known shape from a "shape" attr; nullopt when (partly) unknown.
std::optional<TensorShape> KnownShape(const Node& node, const char* attr) {
  const tensorflow::AttrValue* value = node.FindAttr(attr);
  if (value == nullptr || !value->has_shape()) return std::nullopt;
  auto shape = ShapeFromProto(value->shape());
  if (!shape.ok()) return std::nullopt;
  return *shape;
}

StatusOr<Fn> MakePlaceholder(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "dtype"));
  std::string message = "You must feed a value for placeholder tensor '" +
                        node.name() + "' with dtype " + DataTypeString(dtype);
  const tensorflow::AttrValue* shape = node.FindAttr("shape");
  if (shape != nullptr && shape->has_shape() &&
      !shape->shape().unknown_rank()) {
    std::string dims = "[";
    for (int i = 0; i < shape->shape().dim_size(); ++i) {
      if (i > 0) dims += ",";
      dims += std::to_string(shape->shape().dim(i).size());
    }
    message += " and shape " + dims + "]";
  }
  return Fn([message](OpKernelContext* ctx) {
    return ctx->NodeError(StatusCode::kInvalidArgument, message);
  });
}

// The resource manager key of a variable node.
std::pair<std::string, std::string> VariableKey(const Node& node) {
  std::string container = GetStringAttrOr(node, "container", "");
  std::string shared_name = GetStringAttrOr(node, "shared_name", "");
  if (container.empty()) container = "localhost";
  if (shared_name.empty()) shared_name = node.name();
  return {container, shared_name};
}

StatusOr<Fn> MakeVariable(const Node& node, bool resource) {
  auto key = VariableKey(node);
  std::optional<TensorShape> shape = KnownShape(node, "shape");
  return Fn([key, shape, resource](OpKernelContext* ctx) {
    auto var = ctx->resources()->LookupOrCreate(key.first, key.second);
    if (shape.has_value()) {
      std::lock_guard<std::mutex> lock(var->mu);
      if (!var->declared_shape.has_value()) var->declared_shape = shape;
    }
    ctx->set_output_variable(0, std::move(var), /*is_ref=*/!resource);
    return OkStatus();
  });
}

// The shape a new value must have: the current value's, else the declared.
std::optional<TensorShape> ExpectedShape(VariableState& var) {
  std::lock_guard<std::mutex> lock(var.mu);
  if (var.initialized) return var.tensor.shape();
  return var.declared_shape;
}

StatusOr<Fn> MakeAssign(const Node& node) {
  const bool validate_shape = GetBoolAttrOr(node, "validate_shape", true);
  return Fn([validate_shape](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    const Tensor& value = ctx->input(1);
    if (validate_shape) {
      std::optional<TensorShape> lhs = ExpectedShape(*var);
      if (lhs.has_value() && !(*lhs == value.shape())) {
        return InvalidArg(ctx,
                          "Assign requires shapes of both tensors to match. "
                          "lhs shape= " + lhs->DebugString() +
                              " rhs shape= " + value.shape().DebugString());
      }
    }
    var->Write(value);
    ctx->set_output_variable(0, std::move(var), /*is_ref=*/true);
    return OkStatus();
  });
}

// new = old (+|-) delta, elementwise, same shape.
StatusOr<Tensor> Update(const OpKernelContext* ctx, const Tensor& old,
                        const Tensor& delta, bool subtract) {
  if (!(old.shape() == delta.shape())) {
    return InvalidArg(ctx, "Update requires shapes of both tensors to match. "
                           "lhs shape= " + old.shape().DebugString() +
                               " rhs shape= " + delta.shape().DebugString());
  }
  if (old.dtype() != delta.dtype()) {
    return InvalidArg(ctx, "Update requires the same dtype, got " +
                               DataTypeString(old.dtype()) + " and " +
                               DataTypeString(delta.dtype()));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                          Tensor::Allocate(old.dtype(), old.shape()));
  Status s = DispatchTypes<TFCKPT_NUMBER_TYPES>(
      ctx, old.dtype(), [&](auto tag) {
        using T = decltype(tag);
        auto a = old.flat<T>();
        auto b = delta.flat<T>();
        auto o = out.mutable_flat<T>();
        for (size_t i = 0; i < o.size(); ++i) {
          o[i] = subtract ? static_cast<T>(a[i] - b[i])
                          : static_cast<T>(a[i] + b[i]);
        }
        return OkStatus();
      });
  TFCKPT_RETURN_IF_ERROR(s);
  return out;
}

Status ReadOrFail(const OpKernelContext* ctx, VariableState& var,
                  Tensor* out) {
  auto read = var.Read();
  if (!read.ok()) {
    return ctx->NodeError(read.status().code(), read.status().message());
  }
  *out = *read;
  return OkStatus();
}

StatusOr<Fn> MakeAssignUpdate(const Node&, bool subtract, bool resource) {
  return Fn([subtract, resource](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    // Holding no lock across read and write, as TF without use_locking.
    Tensor old;
    TFCKPT_RETURN_IF_ERROR(ReadOrFail(ctx, *var, &old));
    TFCKPT_ASSIGN_OR_RETURN(Tensor updated,
                            Update(ctx, old, ctx->input(1), subtract));
    var->Write(updated);
    if (!resource) ctx->set_output_variable(0, std::move(var), true);
    return OkStatus();
  });
}

Status UninitializedResource(const OpKernelContext* ctx,
                             const VariableState& var) {
  return ctx->NodeError(
      StatusCode::kFailedPrecondition,
      "Error while reading resource variable " + var.name +
          " from Container: localhost. This could mean that the variable "
          "was uninitialized. Attempting to use uninitialized value " +
          var.name);
}

StatusOr<Fn> MakeReadVariable(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "dtype"));
  return Fn([dtype](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    auto read = var->Read();
    if (!read.ok()) return UninitializedResource(ctx, *var);
    if (read->dtype() != dtype) {
      return InvalidArg(ctx, "Trying to read variable with wrong dtype. "
                             "Expected " + DataTypeString(dtype) + " got " +
                                 DataTypeString(read->dtype()));
    }
    ctx->set_output(0, *read);
    return OkStatus();
  });
}

StatusOr<Fn> MakeAssignVariable(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "dtype"));
  return Fn([dtype](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    const Tensor& value = ctx->input(1);
    if (value.dtype() != dtype) {
      return InvalidArg(ctx, "Trying to assign variable with wrong dtype. "
                             "Expected " + DataTypeString(dtype) + " got " +
                                 DataTypeString(value.dtype()));
    }
    std::optional<TensorShape> lhs = ExpectedShape(*var);
    if (lhs.has_value() && !(*lhs == value.shape())) {
      return InvalidArg(ctx,
                        "Trying to assign to variable with tensor with wrong "
                        "shape. Expected " + lhs->DebugString() + " got " +
                            value.shape().DebugString());
    }
    var->Write(value);
    return OkStatus();
  });
}

StatusOr<Fn> MakeVarIsInitialized(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    bool initialized = false;
    {
      std::lock_guard<std::mutex> lock(var->mu);
      initialized = var->initialized;
    }
    const bool values[1] = {initialized};
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor t, Tensor::FromValues<bool>(TensorShape{},
                                           std::span<const bool>(values)));
    ctx->set_output(0, t);
    return OkStatus();
  });
}

StatusOr<Fn> MakeDestroyResource(const Node& node) {
  const bool ignore_lookup_error =
      GetBoolAttrOr(node, "ignore_lookup_error", true);
  return Fn([ignore_lookup_error](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(0));
    Status s = ctx->resources()->Delete("localhost", var->name);
    return ignore_lookup_error ? OkStatus() : s;
  });
}

}  // namespace

Status RegisterStateKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Const", MakeConst));
  for (const char* op : {"Identity", "IdentityN", "StopGradient", "Snapshot",
                         "PlaceholderWithDefault"}) {
    TFCKPT_RETURN_IF_ERROR(r->RegisterFn(op, MakeIdentity));
  }
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("NoOp", MakeNoOp));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Placeholder", MakePlaceholder));
  for (const char* op : {"VariableV2", "Variable"}) {
    TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
        op, [](const Node& n) { return MakeVariable(n, false); }));
  }
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "VarHandleOp", [](const Node& n) { return MakeVariable(n, true); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Assign", MakeAssign));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AssignAdd", [](const Node& n) {
    return MakeAssignUpdate(n, false, false);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AssignSub", [](const Node& n) {
    return MakeAssignUpdate(n, true, false);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AssignAddVariableOp", [](const Node& n) {
    return MakeAssignUpdate(n, false, true);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AssignSubVariableOp", [](const Node& n) {
    return MakeAssignUpdate(n, true, true);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ReadVariableOp", MakeReadVariable));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AssignVariableOp", MakeAssignVariable));
  for (const char* op : {"VarIsInitializedOp", "IsVariableInitialized"}) {
    TFCKPT_RETURN_IF_ERROR(r->RegisterFn(op, MakeVarIsInitialized));
  }
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("DestroyResourceOp", MakeDestroyResource));
  return OkStatus();
}

}  // namespace tfckpt::internal
