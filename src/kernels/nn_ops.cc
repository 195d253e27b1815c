// Neural-network kernels: BiasAdd, Softmax/LogSoftmax, Conv2D,
// DepthwiseConv2dNative, MaxPool/AvgPool (NHWC), FusedBatchNorm (inference
// and training) and L2Loss.
#include <algorithm>
#include <cmath>
#include <vector>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "src/kernels/nn_util.h"
#include "src/kernels/reference.h"

namespace tfckpt::internal {

Status RequireNhwc(const Node& node) {
  const std::string format = GetStringAttrOr(node, "data_format", "NHWC");
  if (format != "NHWC") {
    return UnimplementedError("Node '" + node.name() + "': data_format " +
                              format + " is not supported (only NHWC)");
  }
  return OkStatus();
}

namespace {

using Fn = FunctionKernel::Fn;

StatusOr<Fn> MakeBiasAdd(const Node& node) {
  TFCKPT_RETURN_IF_ERROR(RequireNhwc(node));
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    const Tensor& b = ctx->input(1);
    TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {x.dtype(), x.dtype()}));
    if (x.shape().rank() < 2 || b.shape().rank() != 1 ||
        b.shape().dim(0) != x.shape().dim(x.shape().rank() - 1)) {
      return InvalidArg(ctx, "Must provide as many biases as the last "
                             "dimension of the input tensor: " +
                                 b.shape().DebugString() + " vs. " +
                                 x.shape().DebugString());
    }
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(ctx, x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, x.dtype(), x.shape()));
      auto in = x.flat<T>();
      auto bias = b.flat<T>();
      auto o = out.mutable_flat<T>();
      for (size_t i = 0; i < o.size(); ++i) o[i] = in[i] + bias[i % bias.size()];
      return OkStatus();
    });
  });
}

StatusOr<Fn> MakeSoftmax(const Node&, bool log) {
  return Fn([log](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    if (x.shape().rank() < 1) return InvalidArg(ctx, "logits must have rank >= 1");
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(ctx, x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, x.dtype(), x.shape()));
      const auto depth = static_cast<size_t>(x.shape().dim(x.shape().rank() - 1));
      auto in = x.flat<T>();
      auto o = out.mutable_flat<T>();
      for (size_t row = 0; depth > 0 && row < in.size(); row += depth) {
        T max = in[row];
        for (size_t j = 1; j < depth; ++j) max = std::max(max, in[row + j]);
        T sum = 0;
        for (size_t j = 0; j < depth; ++j) sum += std::exp(in[row + j] - max);
        for (size_t j = 0; j < depth; ++j) {
          o[row + j] = log ? in[row + j] - max - std::log(sum)
                           : std::exp(in[row + j] - max) / sum;
        }
      }
      return OkStatus();
    });
  });
}

}  // namespace

StatusOr<WindowAttrs> ParseWindowAttrs(const Node& node, bool pooling) {
  TFCKPT_RETURN_IF_ERROR(RequireNhwc(node));
  WindowAttrs w;
  TFCKPT_ASSIGN_OR_RETURN(w.strides, GetIntListAttr(node, "strides"));
  TFCKPT_ASSIGN_OR_RETURN(std::string padding, GetStringAttr(node, "padding"));
  if (padding != "SAME" && padding != "VALID") {
    return UnimplementedError("Node '" + node.name() + "': padding " +
                              padding + " is not supported");
  }
  w.same = padding == "SAME";
  if (pooling) {
    TFCKPT_ASSIGN_OR_RETURN(w.ksize, GetIntListAttr(node, "ksize"));
    w.dilations = {1, 1, 1, 1};
  } else {
    auto d = GetIntListAttr(node, "dilations");
    w.dilations = d.ok() && !d->empty() ? *d : std::vector<int64_t>{1, 1, 1, 1};
  }
  if (w.strides.size() != 4 || w.dilations.size() != 4 ||
      (pooling && w.ksize.size() != 4)) {
    return InvalidArgumentError("Node '" + node.name() +
                                "': strides, dilations and ksize need 4 values");
  }
  if (w.strides[0] != 1 || w.strides[3] != 1 ||
      (pooling && (w.ksize[0] != 1 || w.ksize[3] != 1))) {
    return UnimplementedError("Node '" + node.name() +
                              "': windows over batch or depth are not supported");
  }
  return w;
}

StatusOr<reference::Conv2DGeometry> Geometry(const OpKernelContext* ctx,
                                             const TensorShape& input,
                                             int64_t filter_h, int64_t filter_w,
                                             const WindowAttrs& w) {
  if (input.rank() != 4) {
    return InvalidArg(ctx, "input must be 4-dimensional" + input.DebugString());
  }
  reference::Conv2DGeometry g;
  g.batch = input.dim(0);
  g.in_h = input.dim(1);
  g.in_w = input.dim(2);
  g.in_c = input.dim(3);
  g.filter_h = filter_h;
  g.filter_w = filter_w;
  g.stride_h = w.strides[1];
  g.stride_w = w.strides[2];
  g.dilation_h = w.dilations[1];
  g.dilation_w = w.dilations[2];
  auto rows = reference::ComputeWindow(g.in_h, filter_h, g.stride_h, g.dilation_h, w.same);
  auto cols = reference::ComputeWindow(g.in_w, filter_w, g.stride_w, g.dilation_w, w.same);
  if (!rows || !cols) {
    return InvalidArg(ctx, "Computed output size would be negative for input " +
                               input.DebugString());
  }
  g.out_h = rows->out;
  g.out_w = cols->out;
  g.pad_top = rows->pad_before;
  g.pad_left = cols->pad_before;
  return g;
}

namespace {

StatusOr<Fn> MakeConv(const Node& node, bool depthwise) {
  TFCKPT_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, false));
  return Fn([w, depthwise](OpKernelContext* ctx) -> Status {
    const Tensor& input = ctx->input(0);
    const Tensor& filter = ctx->input(1);
    TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {input.dtype(), input.dtype()}));
    if (filter.shape().rank() != 4) {
      return InvalidArg(ctx, "filter must be 4-dimensional: " +
                                 filter.shape().DebugString());
    }
    TFCKPT_ASSIGN_OR_RETURN(
        reference::Conv2DGeometry g,
        Geometry(ctx, input.shape(), filter.shape().dim(0), filter.shape().dim(1), w));
    if (filter.shape().dim(2) != g.in_c) {
      return InvalidArg(ctx, "input depth must be evenly divisible by filter "
                             "depth: " + std::to_string(g.in_c) + " vs " +
                                 std::to_string(filter.shape().dim(2)));
    }
    const int64_t out_c = depthwise ? g.in_c * filter.shape().dim(3)
                                    : filter.shape().dim(3);
    TFCKPT_ASSIGN_OR_RETURN(
        TensorShape shape,
        ComputedShape(ctx, {g.batch, g.out_h, g.out_w, out_c}));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(ctx, input.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, input.dtype(), shape));
      if (depthwise) {
        reference::DepthwiseConv2D<T>(g, filter.shape().dim(3), input.flat<T>().data(),
                                      filter.flat<T>().data(), out.mutable_flat<T>().data());
      } else {
        reference::Conv2D<T>(g, out_c, input.flat<T>().data(), filter.flat<T>().data(),
                             out.mutable_flat<T>().data());
      }
      return OkStatus();
    });
  });
}

StatusOr<Fn> MakePool(const Node& node, bool max) {
  TFCKPT_ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, true));
  return Fn([w, max](OpKernelContext* ctx) -> Status {
    const Tensor& input = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(reference::Conv2DGeometry g,
                            Geometry(ctx, input.shape(), w.ksize[1], w.ksize[2], w));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape,
                            ComputedShape(ctx, {g.batch, g.out_h, g.out_w, g.in_c}));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(ctx, input.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, input.dtype(), shape));
      reference::Pool<T>(g, max, input.flat<T>().data(), out.mutable_flat<T>().data());
      return OkStatus();
    });
  });
}

// y = (x - mean) * rsqrt(var + epsilon) * scale + offset per channel (NHWC,
// float). Inference uses the given population statistics and gives them
// back. Training uses the batch's: it outputs the batch mean and the
// Bessel-corrected variance (blended into the running ones by
// exponential_avg_factor), and saves the mean and the biased variance in
// the reserve spaces for FusedBatchNormGrad, as TF's CPU kernel does.
StatusOr<Fn> MakeFusedBatchNorm(const Node& node, int num_outputs) {
  TFCKPT_RETURN_IF_ERROR(RequireNhwc(node));
  const bool is_training = GetBoolAttrOr(node, "is_training", true);
  const float epsilon = GetFloatAttrOr(node, "epsilon", 0.0001f);
  const float factor = GetFloatAttrOr(node, "exponential_avg_factor", 1.0f);
  return Fn([is_training, epsilon, factor, num_outputs](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    if (x.dtype() != DataType::kFloat || x.shape().rank() != 4) {
      return InvalidArg(ctx, "x must be a 4-D float tensor: " + x.DebugString());
    }
    const int64_t depth = x.shape().dim(3);
    // Training with a factor of 1 ignores the running statistics (TF lets
    // them be empty then).
    const bool uses_running = !is_training || factor != 1.0f;
    for (int i = 1; i < (uses_running ? 5 : 3); ++i) {
      const Tensor& p = ctx->input(i);
      if (p.dtype() != DataType::kFloat || p.shape().rank() != 1 ||
          p.shape().dim(0) != depth) {
        return InvalidArg(ctx, "scale, offset, mean and variance must be 1-D "
                               "float of size " + std::to_string(depth) + ", got " +
                                   p.DebugString());
      }
    }
    const auto channels = static_cast<size_t>(depth);
    auto in = x.flat<float>();
    const size_t rest = channels == 0 ? 0 : in.size() / channels;
    std::vector<float> mean(channels, 0.0f), var(channels, 0.0f);
    if (is_training) {
      // Summed in double: the statistics come out as exact as float holds.
      std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
      for (size_t i = 0; i < in.size(); ++i) sum[i % channels] += in[i];
      for (size_t c = 0; c < channels; ++c)
        mean[c] = static_cast<float>(sum[c] / static_cast<double>(rest));
      for (size_t i = 0; i < in.size(); ++i) {
        const double centered = in[i] - mean[i % channels];
        squares[i % channels] += centered * centered;
      }
      for (size_t c = 0; c < channels; ++c)
        var[c] = static_cast<float>(squares[c] / static_cast<double>(rest));
    } else {
      std::copy_n(ctx->input(3).flat<float>().begin(), channels, mean.begin());
      std::copy_n(ctx->input(4).flat<float>().begin(), channels, var.begin());
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, x.dtype(), x.shape()));
    auto scale = ctx->input(1).flat<float>();
    auto offset = ctx->input(2).flat<float>();
    auto o = out.mutable_flat<float>();
    for (size_t i = 0; i < o.size(); ++i) {
      const size_t c = i % channels;
      o[i] = (in[i] - mean[c]) / std::sqrt(var[c] + epsilon) * scale[c] + offset[c];
    }
    if (!is_training) {
      for (int i = 1; i < 5; ++i) ctx->set_output(i, ctx->input(3 + (i - 1) % 2));
    } else {
      const TensorShape per_channel{depth};
      TFCKPT_ASSIGN_OR_RETURN(Tensor batch_mean,
                              ctx->AllocateOutput(1, DataType::kFloat, per_channel));
      TFCKPT_ASSIGN_OR_RETURN(Tensor batch_var,
                              ctx->AllocateOutput(2, DataType::kFloat, per_channel));
      TFCKPT_ASSIGN_OR_RETURN(Tensor saved_mean,
                              ctx->AllocateOutput(3, DataType::kFloat, per_channel));
      TFCKPT_ASSIGN_OR_RETURN(Tensor saved_var,
                              ctx->AllocateOutput(4, DataType::kFloat, per_channel));
      const float bessel =
          rest > 1 ? static_cast<float>(rest) / static_cast<float>(rest - 1) : 1.0f;
      for (size_t c = 0; c < channels; ++c) {
        float new_mean = mean[c];
        float new_var = var[c] * bessel;
        if (factor != 1.0f) {
          new_mean = (1.0f - factor) * ctx->input(3).flat<float>()[c] + factor * new_mean;
          new_var = (1.0f - factor) * ctx->input(4).flat<float>()[c] + factor * new_var;
        }
        batch_mean.mutable_flat<float>()[c] = new_mean;
        batch_var.mutable_flat<float>()[c] = new_var;
        saved_mean.mutable_flat<float>()[c] = mean[c];
        saved_var.mutable_flat<float>()[c] = var[c];
      }
    }
    if (num_outputs == 6) {
      TFCKPT_ASSIGN_OR_RETURN(Tensor reserved,
                              Tensor::Zeros(DataType::kFloat, TensorShape{0}));
      ctx->set_output(5, reserved);
    }
    return OkStatus();
  });
}

// sum(t * t) / 2 over every element, summed in double and rounded to T
// once (TF's dtypes: half, bfloat16, float, double).
StatusOr<Fn> MakeL2Loss(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& t = ctx->input(0);
    return DispatchTypes<float, double, Half, BFloat16>(
        ctx, t.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          double sum = 0.0;
          for (const T& v : t.flat<T>()) {
            const double x = AsDouble(v);
            sum += x * x;
          }
          TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                                  ctx->AllocateOutput(0, t.dtype(), TensorShape{}));
          out.mutable_flat<T>()[0] = T(ArithmeticType<T>(sum / 2));
          return OkStatus();
        });
  });
}

}  // namespace

Status RegisterNnKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("BiasAdd", MakeBiasAdd));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("L2Loss", MakeL2Loss));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "Softmax", [](const Node& n) { return MakeSoftmax(n, false); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "LogSoftmax", [](const Node& n) { return MakeSoftmax(n, true); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Conv2D", [](const Node& n) { return MakeConv(n, false); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "DepthwiseConv2dNative", [](const Node& n) { return MakeConv(n, true); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("MaxPool", [](const Node& n) { return MakePool(n, true); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("AvgPool", [](const Node& n) { return MakePool(n, false); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "FusedBatchNorm", [](const Node& n) { return MakeFusedBatchNorm(n, 5); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "FusedBatchNormV3", [](const Node& n) { return MakeFusedBatchNorm(n, 6); }));
  return OkStatus();
}

}  // namespace tfckpt::internal
