// Gradients of the NHWC neural-network kernels: BiasAddGrad, the softmax
// cross-entropy losses (which give their gradient as a second output),
// Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad and
// FusedBatchNormGrad(V3). Plain loops, as the forward kernels (reference.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "src/kernels/nn_util.h"
#include "src/kernels/reference.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;
using reference::Conv2DGeometry;

// Sums over every dimension but the last (the NHWC channel).
StatusOr<Fn> MakeBiasAddGrad(const Node& node) {
  TFCKPT_RETURN_IF_ERROR(RequireNhwc(node));
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& dy = ctx->input(0);
    if (dy.shape().rank() < 2) {
      return InvalidArg(
          ctx, "Input tensor must be at least 2D: " + dy.shape().DebugString());
    }
    const int64_t depth = dy.shape().dim(dy.shape().rank() - 1);
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(
        ctx, dy.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out,
              ctx->AllocateOutput(0, dy.dtype(), TensorShape{depth}));
          auto o = out.mutable_flat<T>();
          std::fill(o.begin(), o.end(), T{});
          auto in = dy.flat<T>();
          for (size_t i = 0; i < in.size(); ++i) o[i % o.size()] += in[i];
          return OkStatus();
        });
  });
}

// Row statistics of logits[batch, classes]: the shifted logits
// (logits - max) and the sum of their exponentials.
template <typename T>
T ShiftedRow(const T* logits, int64_t classes, T* shifted) {
  T max = logits[0];
  for (int64_t j = 1; j < classes; ++j) max = std::max(max, logits[j]);
  T sum{};
  for (int64_t j = 0; j < classes; ++j) {
    shifted[j] = logits[j] - max;
    sum += std::exp(shifted[j]);
  }
  return sum;
}

Status CheckLogits(const OpKernelContext* ctx, const Tensor& logits) {
  if (logits.shape().rank() != 2) {
    return InvalidArg(ctx, "logits must be 2-D, but got shape " +
                               logits.shape().DebugString());
  }
  return OkStatus();
}

// loss[b] = sum_j labels[b,j] * (log(sum_exp) - shifted[b,j]);
// backprop = softmax(logits) - labels.
StatusOr<Fn> MakeSoftmaxXent(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {logits.dtype(), logits.dtype()}));
    TFCKPT_RETURN_IF_ERROR(CheckLogits(ctx, logits));
    if (!(labels.shape() == logits.shape())) {
      return InvalidArg(ctx,
                        "logits and labels must be same size: logits_size=" +
                            logits.shape().DebugString() +
                            " labels_size=" + labels.shape().DebugString());
    }
    const int64_t batch = logits.shape().dim(0);
    const int64_t classes = logits.shape().dim(1);
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, logits.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor loss,
              ctx->AllocateOutput(0, logits.dtype(), TensorShape{batch}));
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor backprop,
              ctx->AllocateOutput(1, logits.dtype(), logits.shape()));
          const T* x = logits.flat<T>().data();
          const T* y = labels.flat<T>().data();
          T* l = loss.mutable_flat<T>().data();
          T* bp = backprop.mutable_flat<T>().data();
          for (int64_t b = 0; b < batch; ++b) {
            T* shifted = bp + b * classes;
            const T sum = classes > 0
                              ? ShiftedRow(x + b * classes, classes, shifted)
                              : T(0);
            const T log_sum = std::log(sum);
            T row_loss{};
            for (int64_t j = 0; j < classes; ++j) {
              const T label = y[b * classes + j];
              row_loss += label * (log_sum - shifted[j]);
              shifted[j] = std::exp(shifted[j]) / sum - label;
            }
            l[b] = row_loss;
          }
          return OkStatus();
        });
  });
}

// loss[b] = log(sum_exp) - shifted[b, label]; backprop = softmax - onehot.
StatusOr<Fn> MakeSparseSoftmaxXent(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    TFCKPT_RETURN_IF_ERROR(CheckLogits(ctx, logits));
    const int64_t batch = logits.shape().dim(0);
    const int64_t classes = logits.shape().dim(1);
    if (labels.shape().rank() != 1 || labels.shape().dim(0) != batch) {
      return InvalidArg(ctx,
                        "logits and labels must have the same first "
                        "dimension, got logits shape " +
                            logits.shape().DebugString() +
                            " and labels shape " +
                            labels.shape().DebugString());
    }
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> label_values,
                            IntValues(ctx, labels, "labels"));
    for (int64_t label : label_values) {
      if (label < 0 || label >= classes) {
        std::string all;
        for (int64_t v : label_values) all += " " + std::to_string(v);
        return InvalidArg(
            ctx, "Received a label value of " + std::to_string(label) +
                     " which is outside the valid range of [0, " +
                     std::to_string(classes) + ").  Label values:" + all);
      }
    }
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, logits.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor loss,
              ctx->AllocateOutput(0, logits.dtype(), TensorShape{batch}));
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor backprop,
              ctx->AllocateOutput(1, logits.dtype(), logits.shape()));
          const T* x = logits.flat<T>().data();
          T* l = loss.mutable_flat<T>().data();
          T* bp = backprop.mutable_flat<T>().data();
          for (int64_t b = 0; b < batch; ++b) {
            T* shifted = bp + b * classes;
            const T sum = ShiftedRow(x + b * classes, classes, shifted);
            const int64_t label = label_values[static_cast<size_t>(b)];
            l[b] = std::log(sum) - shifted[label];
            for (int64_t j = 0; j < classes; ++j) {
              shifted[j] =
                  std::exp(shifted[j]) / sum - (j == label ? T(1) : T(0));
            }
          }
          return OkStatus();
        });
  });
}

// A 4-element int32 shape input (input_sizes, filter_sizes,
// orig_input_shape).
StatusOr<TensorShape> ShapeInput(const OpKernelContext* ctx, int index,
                                 const std::string& what) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                          IntValues(ctx, ctx->input(index), what));
  if (dims.size() != 4) {
    return InvalidArg(ctx, what + " must have 4 elements, got " +
                               std::to_string(dims.size()));
  }
  return ComputedShape(ctx, dims);
}

Status CheckOutBackprop(const OpKernelContext* ctx, const Tensor& dy,
                        const Conv2DGeometry& g, int64_t depth) {
  const std::vector<int64_t> want = {g.batch, g.out_h, g.out_w, depth};
  const auto got = dy.shape().dims();
  if (!std::equal(want.begin(), want.end(), got.begin(), got.end())) {
    return InvalidArg(
        ctx, "out_backprop has shape " + dy.shape().DebugString() +
                 ", expected [" + std::to_string(g.batch) + "," +
                 std::to_string(g.out_h) + "," + std::to_string(g.out_w) + "," +
                 std::to_string(depth) + "]");
  }
  return OkStatus();
}

// Calls f(input_offset, filter_offset, output_offset) for every
// (input, filter, output) element triple a Conv2D multiplies together.
template <typename F>
void ForEachConvTap(const Conv2DGeometry& g, int64_t out_c, F f) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t fy = 0; fy < g.filter_h; ++fy) {
          const int64_t iy = oy * g.stride_h + fy * g.dilation_h - g.pad_top;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int64_t fx = 0; fx < g.filter_w; ++fx) {
            const int64_t ix = ox * g.stride_w + fx * g.dilation_w - g.pad_left;
            if (ix < 0 || ix >= g.in_w) continue;
            const int64_t in_at = ((b * g.in_h + iy) * g.in_w + ix) * g.in_c;
            const int64_t filter_at = (fy * g.filter_w + fx) * g.in_c * out_c;
            const int64_t out_at = ((b * g.out_h + oy) * g.out_w + ox) * out_c;
            for (int64_t ic = 0; ic < g.in_c; ++ic) {
              f(in_at + ic, filter_at + ic * out_c, out_at);
            }
          }
        }
}

// Conv2DBackpropInput (for_filter false): dx from filter and dy.
// Conv2DBackpropFilter (true): dfilter from input and dy.
StatusOr<Fn> MakeConvBackprop(const Node& node, bool for_filter) {
  TFCKPT_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, false));
  return Fn([w, for_filter](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 3) return InvalidArg(ctx, "expects 3 inputs");
    const Tensor& dy = ctx->input(2);
    const Tensor& known = ctx->input(for_filter ? 0 : 1);
    if (known.dtype() != dy.dtype()) {
      return InvalidArg(ctx, "out_backprop has dtype " +
                                 DataTypeString(dy.dtype()) + ", expected " +
                                 DataTypeString(known.dtype()));
    }
    TFCKPT_ASSIGN_OR_RETURN(
        TensorShape result_shape,
        ShapeInput(ctx, for_filter ? 1 : 0,
                   for_filter ? "filter_sizes" : "input_sizes"));
    const TensorShape& input_shape = for_filter ? known.shape() : result_shape;
    const TensorShape& filter_shape = for_filter ? result_shape : known.shape();
    if (filter_shape.rank() != 4) {
      return InvalidArg(
          ctx, "filter must be 4-dimensional: " + filter_shape.DebugString());
    }
    TFCKPT_ASSIGN_OR_RETURN(Conv2DGeometry g,
                            Geometry(ctx, input_shape, filter_shape.dim(0),
                                     filter_shape.dim(1), w));
    if (filter_shape.dim(2) != g.in_c) {
      return InvalidArg(ctx, "input depth " + std::to_string(g.in_c) +
                                 " does not match filter depth " +
                                 std::to_string(filter_shape.dim(2)));
    }
    const int64_t out_c = filter_shape.dim(3);
    TFCKPT_RETURN_IF_ERROR(CheckOutBackprop(ctx, dy, g, out_c));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, dy.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out, ctx->AllocateOutput(0, dy.dtype(), result_shape));
          auto o = out.mutable_flat<T>();
          std::fill(o.begin(), o.end(), T{});
          T* result = o.data();
          const T* k = known.flat<T>().data();
          const T* d = dy.flat<T>().data();
          if (for_filter) {
            ForEachConvTap(
                g, out_c,
                [&](int64_t in_at, int64_t filter_at, int64_t out_at) {
                  const T x = k[in_at];
                  for (int64_t oc = 0; oc < out_c; ++oc)
                    result[filter_at + oc] += x * d[out_at + oc];
                });
          } else {
            ForEachConvTap(
                g, out_c,
                [&](int64_t in_at, int64_t filter_at, int64_t out_at) {
                  T sum{};
                  for (int64_t oc = 0; oc < out_c; ++oc)
                    sum += k[filter_at + oc] * d[out_at + oc];
                  result[in_at] += sum;
                });
          }
          return OkStatus();
        });
  });
}

// Calls f(out_offset, in_offsets) for every output element of a pooling
// window, with the in-bounds input offsets of its window in row-major order.
template <typename F>
void ForEachPoolWindow(const Conv2DGeometry& g, F f) {
  std::vector<int64_t> window;
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t c = 0; c < g.in_c; ++c) {
          window.clear();
          for (int64_t fy = 0; fy < g.filter_h; ++fy) {
            const int64_t iy = oy * g.stride_h + fy - g.pad_top;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t fx = 0; fx < g.filter_w; ++fx) {
              const int64_t ix = ox * g.stride_w + fx - g.pad_left;
              if (ix < 0 || ix >= g.in_w) continue;
              window.push_back(((b * g.in_h + iy) * g.in_w + ix) * g.in_c + c);
            }
          }
          f(((b * g.out_h + oy) * g.out_w + ox) * g.in_c + c, window);
        }
}

// Each window's gradient goes to the first maximum of its input window (in
// row-major order, as TF's CPU kernel picks it).
StatusOr<Fn> MakeMaxPoolGrad(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, true));
  return Fn([w](OpKernelContext* ctx) -> Status {
    const Tensor& input = ctx->input(0);
    const Tensor& dy = ctx->input(2);
    TFCKPT_RETURN_IF_ERROR(
        CheckInputs(ctx, {input.dtype(), input.dtype(), input.dtype()}));
    TFCKPT_ASSIGN_OR_RETURN(
        Conv2DGeometry g,
        Geometry(ctx, input.shape(), w.ksize[1], w.ksize[2], w));
    TFCKPT_RETURN_IF_ERROR(CheckOutBackprop(ctx, dy, g, g.in_c));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, input.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out, ctx->AllocateOutput(0, input.dtype(), input.shape()));
          auto o = out.mutable_flat<T>();
          std::fill(o.begin(), o.end(), T{});
          auto x = input.flat<T>();
          auto d = dy.flat<T>();
          ForEachPoolWindow(
              g, [&](int64_t out_at, const std::vector<int64_t>& window) {
                if (window.empty()) return;
                int64_t best = window[0];
                for (int64_t at : window) {
                  if (x[static_cast<size_t>(best)] < x[static_cast<size_t>(at)])
                    best = at;
                }
                o[static_cast<size_t>(best)] += d[static_cast<size_t>(out_at)];
              });
          return OkStatus();
        });
  });
}

// Each window's gradient is spread evenly over its in-bounds inputs.
StatusOr<Fn> MakeAvgPoolGrad(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, true));
  return Fn([w](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 2) return InvalidArg(ctx, "expects 2 inputs");
    const Tensor& dy = ctx->input(1);
    TFCKPT_ASSIGN_OR_RETURN(TensorShape input_shape,
                            ShapeInput(ctx, 0, "orig_input_shape"));
    TFCKPT_ASSIGN_OR_RETURN(
        Conv2DGeometry g,
        Geometry(ctx, input_shape, w.ksize[1], w.ksize[2], w));
    TFCKPT_RETURN_IF_ERROR(CheckOutBackprop(ctx, dy, g, g.in_c));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, dy.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out, ctx->AllocateOutput(0, dy.dtype(), input_shape));
          auto o = out.mutable_flat<T>();
          std::fill(o.begin(), o.end(), T{});
          auto d = dy.flat<T>();
          ForEachPoolWindow(
              g, [&](int64_t out_at, const std::vector<int64_t>& window) {
                if (window.empty()) return;
                const T share = d[static_cast<size_t>(out_at)] /
                                static_cast<T>(window.size());
                for (int64_t at : window) o[static_cast<size_t>(at)] += share;
              });
          return OkStatus();
        });
  });
}

// Inputs y_backprop, x, scale, and the saved mean and variance (batch
// statistics when is_training, else the population ones). With
// inv = rsqrt(var + epsilon) per channel:
//   scale_backprop = sum(dy * (x - mean) * inv), offset_backprop = sum(dy),
//   x_backprop = scale * inv * (dy - mean(dy) - (x - mean) *
//                mean(dy * (x - mean)) / (var + epsilon))   when training,
//   x_backprop = scale * inv * dy                           otherwise.
StatusOr<Fn> MakeFusedBatchNormGrad(const Node& node, int num_reserved_inputs) {
  TFCKPT_RETURN_IF_ERROR(RequireNhwc(node));
  const bool is_training = GetBoolAttrOr(node, "is_training", true);
  const float epsilon = GetFloatAttrOr(node, "epsilon", 0.0001f);
  return Fn([is_training, epsilon,
             num_reserved_inputs](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 3 + num_reserved_inputs) {
      return InvalidArg(
          ctx,
          "expects " + std::to_string(3 + num_reserved_inputs) + " inputs");
    }
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    if (dy.dtype() != DataType::kFloat || x.dtype() != DataType::kFloat ||
        x.shape().rank() != 4 || !(dy.shape() == x.shape())) {
      return InvalidArg(ctx,
                        "y_backprop and x must be 4-D float tensors of one "
                        "shape: " +
                            dy.shape().DebugString() + " vs " +
                            x.shape().DebugString());
    }
    const int64_t depth = x.shape().dim(3);
    for (int i = 2; i < 5; ++i) {
      const Tensor& p = ctx->input(i);
      if (p.dtype() != DataType::kFloat || p.shape().rank() != 1 ||
          p.shape().dim(0) != depth) {
        return InvalidArg(ctx,
                          "scale, reserve_space_1 and reserve_space_2 must "
                          "be 1-D float of size " +
                              std::to_string(depth));
      }
    }
    const auto channels = static_cast<size_t>(depth);
    auto d = dy.flat<float>();
    auto in = x.flat<float>();
    auto scale = ctx->input(2).flat<float>();
    auto mean = ctx->input(3).flat<float>();
    auto var = ctx->input(4).flat<float>();
    std::vector<float> inv(channels), sum_dy(channels, 0.0f),
        sum_dy_xc(channels, 0.0f);
    for (size_t c = 0; c < channels; ++c)
      inv[c] = 1.0f / std::sqrt(var[c] + epsilon);
    for (size_t i = 0; i < in.size(); ++i) {
      const size_t c = i % channels;
      sum_dy[c] += d[i];
      sum_dy_xc[c] += d[i] * (in[i] - mean[c]);
    }
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor dx, ctx->AllocateOutput(0, DataType::kFloat, x.shape()));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor dscale,
        ctx->AllocateOutput(1, DataType::kFloat, TensorShape{depth}));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor doffset,
        ctx->AllocateOutput(2, DataType::kFloat, TensorShape{depth}));
    const float rest =
        channels > 0 ? static_cast<float>(in.size() / channels) : 1.0f;
    auto o = dx.mutable_flat<float>();
    for (size_t i = 0; i < in.size(); ++i) {
      const size_t c = i % channels;
      const float coef = scale[c] * inv[c];
      if (is_training) {
        const float xc = in[i] - mean[c];
        o[i] = coef * (d[i] - sum_dy[c] / rest -
                       xc * (sum_dy_xc[c] / rest) * inv[c] * inv[c]);
      } else {
        o[i] = coef * d[i];
      }
    }
    for (size_t c = 0; c < channels; ++c) {
      dscale.mutable_flat<float>()[c] = sum_dy_xc[c] * inv[c];
      doffset.mutable_flat<float>()[c] = sum_dy[c];
    }
    // The reserve-space outputs carry nothing on the CPU.
    for (int i = 3; i < 5; ++i) {
      TFCKPT_RETURN_IF_ERROR(
          ctx->AllocateOutput(i, DataType::kFloat, TensorShape{0}).status());
    }
    return OkStatus();
  });
}

}  // namespace

Status RegisterNnGradKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("BiasAddGrad", MakeBiasAddGrad));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("SoftmaxCrossEntropyWithLogits", MakeSoftmaxXent));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("SparseSoftmaxCrossEntropyWithLogits",
                                       MakeSparseSoftmaxXent));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Conv2DBackpropInput",
                    [](const Node& n) { return MakeConvBackprop(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Conv2DBackpropFilter",
                    [](const Node& n) { return MakeConvBackprop(n, true); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("MaxPoolGrad", MakeMaxPoolGrad));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AvgPoolGrad", MakeAvgPoolGrad));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("FusedBatchNormGrad", [](const Node& n) {
    return MakeFusedBatchNormGrad(n, 2);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "FusedBatchNormGradV3",
      [](const Node& n) { return MakeFusedBatchNormGrad(n, 3); }));
  return OkStatus();
}

}  // namespace tfckpt::internal
