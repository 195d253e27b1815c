// Optimizer kernels: Apply{GradientDescent, Momentum, Adam, RMSProp,
// CenteredRMSProp, Adagrad, AdagradV2} on reference variables and their
// ResourceApply* forms on resource variables, for TF's CPU dtypes (half,
// bfloat16, float, double, complex64, complex128). Each reads the variable and
// its slots, computes TF's update elementwise and writes new tensors back
// (values are never written in place: other readers may share them).
#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <vector>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;
// The updates call sqrt unqualified: std's for float, double and complex,
// Rounded16's (found by ADL) for half and bfloat16.
using std::sqrt;

// Where an optimizer's inputs are: the first `num_vars` are the variable
// and its slots; `grad_index` is the gradient; every other input is a
// scalar hyperparameter, passed to the update in input order.
struct OptimizerLayout {
  int num_vars = 1;
  int num_inputs = 3;
  int grad_index = 2;
};

// The variable and slots of an optimizer node, read and checked against
// each other and the gradient, and its scalar inputs' positions.
struct OptimizerInputs {
  std::vector<std::shared_ptr<VariableState>> vars;
  std::vector<Tensor> values;
  std::vector<int> scalar_inputs;
};

StatusOr<OptimizerInputs> ReadOptimizerInputs(const OpKernelContext* ctx,
                                              const OptimizerLayout& layout) {
  if (ctx->num_inputs() != layout.num_inputs) {
    return InvalidArg(
        ctx, "expects " + std::to_string(layout.num_inputs) + " inputs");
  }
  OptimizerInputs in;
  for (int i = 0; i < layout.num_vars; ++i) {
    TFCKPT_ASSIGN_OR_RETURN(auto var, ctx->input_variable(i));
    auto read = var->Read();
    if (!read.ok()) {
      return ctx->NodeError(read.status().code(), read.status().message());
    }
    if (i > 0 && (!(read->shape() == in.values[0].shape()) ||
                  read->dtype() != in.values[0].dtype())) {
      return InvalidArg(ctx, "var and " + var->name +
                                 " do not have the same shape and dtype: " +
                                 in.values[0].DebugString() + " vs " +
                                 read->DebugString());
    }
    in.vars.push_back(std::move(var));
    in.values.push_back(*std::move(read));
  }
  const Tensor& var = in.values[0];
  const Tensor& grad = ctx->input(layout.grad_index);
  if (grad.dtype() != var.dtype() || !(grad.shape() == var.shape())) {
    return InvalidArg(ctx, "var and grad do not have the same shape" +
                               var.shape().DebugString() + " " +
                               grad.shape().DebugString());
  }
  for (int i = layout.num_vars; i < layout.num_inputs; ++i) {
    if (i == layout.grad_index) continue;
    const Tensor& s = ctx->input(i);
    if (s.shape().rank() != 0 || s.dtype() != var.dtype()) {
      return InvalidArg(ctx, "input " + std::to_string(i) +
                                 " must be a scalar of the variable's dtype " +
                                 DataTypeString(var.dtype()) + ", got " +
                                 s.DebugString());
    }
    in.scalar_inputs.push_back(i);
  }
  return in;
}

// Applies `update` to every element and stores the results. update(v, s, g):
// v[0] points at the variable's element, v[1..] at its slots'; s holds the
// scalar inputs in input order; g is the gradient's element. All of them are
// in T's arithmetic type (half and bfloat16 round after every operation).
template <typename T, typename Update>
Status ApplyUpdate(OpKernelContext* ctx, const OptimizerLayout& layout,
                   const OptimizerInputs& in, const Update& update) {
  using A = ArithmeticType<T>;
  std::vector<A> scalars;
  for (int i : in.scalar_inputs) scalars.push_back(A(ctx->input(i).flat<T>()[0]));
  std::vector<Tensor> updated;
  std::vector<T*> slots;
  for (const Tensor& value : in.values) {
    TFCKPT_ASSIGN_OR_RETURN(Tensor copy,
                            Tensor::Allocate(value.dtype(), value.shape()));
    std::copy(value.flat<T>().begin(), value.flat<T>().end(),
              copy.mutable_flat<T>().begin());
    slots.push_back(copy.mutable_flat<T>().data());
    updated.push_back(std::move(copy));
  }
  auto grad = ctx->input(layout.grad_index).flat<T>();
  std::vector<A> element(slots.size());
  std::vector<A*> element_ptrs;
  for (A& e : element) element_ptrs.push_back(&e);
  for (size_t k = 0; k < grad.size(); ++k) {
    for (size_t v = 0; v < slots.size(); ++v) element[v] = A(slots[v][k]);
    update(element_ptrs.data(), scalars.data(), A(grad[k]));
    for (size_t v = 0; v < slots.size(); ++v) slots[v][k] = T(element[v]);
  }
  for (size_t v = 0; v < in.vars.size(); ++v) in.vars[v]->Write(updated[v]);
  return OkStatus();
}

// Registers `op` (reference variables) and Resource`op`, with the element
// update made per node by make_update(node) (attrs such as use_nesterov).
template <typename MakeUpdate>
Status RegisterOptimizer(KernelRegistry* r, const std::string& op,
                         OptimizerLayout layout, MakeUpdate make_update) {
  for (const bool resource : {false, true}) {
    auto make = [layout, make_update, resource](const Node& node) {
      return StatusOr<Fn>(Fn([layout, resource, update = make_update(node)](
                                 OpKernelContext* ctx) -> Status {
        TFCKPT_ASSIGN_OR_RETURN(OptimizerInputs in,
                                ReadOptimizerInputs(ctx, layout));
        const Status applied =
            DispatchTypes<float, double, Half, BFloat16, std::complex<float>,
                          std::complex<double>>(
                ctx, in.values[0].dtype(), [&](auto tag) {
                  return ApplyUpdate<decltype(tag)>(ctx, layout, in, update);
                });
        TFCKPT_RETURN_IF_ERROR(applied);
        if (!resource) ctx->set_output_variable(0, in.vars[0], /*is_ref=*/true);
        return OkStatus();
      }));
    };
    TFCKPT_RETURN_IF_ERROR(
        r->RegisterFn(resource ? "Resource" + op : op, std::move(make)));
  }
  return OkStatus();
}

// The formulas and their operation order are those of TF's CPU functors.
Status RegisterOptimizers(KernelRegistry* r) {
  // var, alpha, delta.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyGradientDescent", {1, 3, 2}, [](const Node&) {
        return [](auto* const* v, const auto* s, auto grad) {
          *v[0] -= grad * s[0];
        };
      }));
  // var, accum, lr, grad, momentum.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyMomentum", {2, 5, 3}, [](const Node& node) {
        const bool nesterov = GetBoolAttrOr(node, "use_nesterov", false);
        return [nesterov](auto* const* v, const auto* s, auto grad) {
          const auto lr = s[0];
          const auto momentum = s[1];
          *v[1] = *v[1] * momentum + grad;
          if (nesterov) {
            *v[0] -= grad * lr + *v[1] * momentum * lr;
          } else {
            *v[0] -= *v[1] * lr;
          }
        };
      }));
  // var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyAdam", {3, 10, 9}, [](const Node& node) {
        const bool nesterov = GetBoolAttrOr(node, "use_nesterov", false);
        return [nesterov](auto* const* v, const auto* s, auto grad) {
          using T = decltype(grad);
          const T beta1_power = s[0], beta2_power = s[1], lr = s[2];
          const T beta1 = s[3], beta2 = s[4], epsilon = s[5];
          const T alpha =
              lr * sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
          T& m = *v[1];
          T& second = *v[2];
          m += (grad - m) * (T(1) - beta1);
          second += (grad * grad - second) * (T(1) - beta2);
          if (nesterov) {
            *v[0] -= ((grad * (T(1) - beta1) + beta1 * m) * alpha) /
                     (sqrt(second) + epsilon);
          } else {
            *v[0] -= (m * alpha) / (sqrt(second) + epsilon);
          }
        };
      }));
  // var, ms, mom, lr, rho, momentum, epsilon, grad.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyRMSProp", {3, 8, 7}, [](const Node&) {
        return [](auto* const* v, const auto* s, auto grad) {
          using T = decltype(grad);
          const T lr = s[0], rho = s[1], momentum = s[2], epsilon = s[3];
          T& ms = *v[1];
          T& mom = *v[2];
          ms += (grad * grad - ms) * (T(1) - rho);
          mom = mom * momentum + (grad * lr) / sqrt(ms + epsilon);
          *v[0] -= mom;
        };
      }));
  // var, mg, ms, mom, lr, rho, momentum, epsilon, grad.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyCenteredRMSProp", {4, 9, 8}, [](const Node&) {
        return [](auto* const* v, const auto* s, auto grad) {
          using T = decltype(grad);
          const T lr = s[0], rho = s[1], momentum = s[2], epsilon = s[3];
          T& mg = *v[1];
          T& ms = *v[2];
          T& mom = *v[3];
          ms += (grad * grad - ms) * (T(1) - rho);
          mg += (grad - mg) * (T(1) - rho);
          const T denom = (ms - mg * mg) + epsilon;
          mom = mom * momentum + (grad * lr) / sqrt(denom);
          *v[0] -= mom;
        };
      }));
  // var, accum, lr, grad.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyAdagrad", {2, 4, 3}, [](const Node& node) {
        const bool update_slots = GetBoolAttrOr(node, "update_slots", true);
        return [update_slots](auto* const* v, const auto* s, auto grad) {
          using T = decltype(grad);
          if (update_slots) *v[1] += grad * grad;
          *v[0] -= grad * s[0] * (T(1) / sqrt(*v[1]));
        };
      }));
  // var, accum, lr, epsilon, grad.
  TFCKPT_RETURN_IF_ERROR(
      RegisterOptimizer(r, "ApplyAdagradV2", {2, 5, 4}, [](const Node& node) {
        const bool update_slots = GetBoolAttrOr(node, "update_slots", true);
        return [update_slots](auto* const* v, const auto* s, auto grad) {
          if (update_slots) *v[1] += grad * grad;
          *v[0] -= grad * s[0] / (sqrt(*v[1]) + s[1]);
        };
      }));
  return OkStatus();
}

}  // namespace

Status RegisterTrainingKernels(KernelRegistry* r) {
  return RegisterOptimizers(r);
}

}  // namespace tfckpt::internal
