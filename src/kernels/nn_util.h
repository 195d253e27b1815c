// Attr parsing and window geometry shared by the NHWC convolution and
// pooling kernels (nn_ops.cc) and their gradients (nn_grad_ops.cc).
#ifndef TFCKPT_SRC_KERNELS_NN_UTIL_H_
#define TFCKPT_SRC_KERNELS_NN_UTIL_H_

#include <cstdint>
#include <vector>

#include "src/kernels/reference.h"
#include "src/runtime/op_kernel.h"

namespace tfckpt::internal {

// UNIMPLEMENTED naming the node unless its data_format is NHWC (or absent).
Status RequireNhwc(const Node& node);

// Spatial geometry of an NHWC op from strides/dilations/padding attrs.
struct WindowAttrs {
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> ksize;  // pooling only
  bool same = false;
};

// strides, dilations (convolutions) or ksize (pooling) and SAME/VALID
// padding; windows over batch or depth are UNIMPLEMENTED.
StatusOr<WindowAttrs> ParseWindowAttrs(const Node& node, bool pooling);

// The geometry of an NHWC input of shape `input` under a filter_h x
// filter_w window; INVALID_ARGUMENT when not 4-D or the window does not fit.
StatusOr<reference::Conv2DGeometry> Geometry(const OpKernelContext* ctx,
                                             const TensorShape& input,
                                             int64_t filter_h, int64_t filter_w,
                                             const WindowAttrs& w);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_KERNELS_NN_UTIL_H_
