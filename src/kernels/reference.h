// Reference implementations of the kernels' numerics: plain loops over
// row-major buffers, with no threading and no Eigen. The Eigen kernels are
// tested against these, and the kernels use them where a plain loop is
// already the fastest reasonable choice.
//
// Thread safety: pure functions.
#ifndef TFCKPT_SRC_KERNELS_REFERENCE_H_
#define TFCKPT_SRC_KERNELS_REFERENCE_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace tfckpt::internal::reference {

// NumPy broadcasting of two shapes; nullopt when incompatible.
std::optional<std::vector<int64_t>> BroadcastDims(std::span<const int64_t> a,
                                                  std::span<const int64_t> b);

// For each output element, the flat index of the input element it reads
// under broadcasting of `in` to `out` (REQUIRES: compatible).
std::vector<int64_t> BroadcastIndex(std::span<const int64_t> in,
                                    std::span<const int64_t> out);

// out[i] = f(a[ia[i]], b[ib[i]]) over the broadcast output.
template <typename A, typename B, typename R, typename F>
void BinaryBroadcast(const A* a, std::span<const int64_t> a_dims, const B* b,
                     std::span<const int64_t> b_dims, R* out,
                     std::span<const int64_t> out_dims, F f) {
  int64_t n = 1;
  for (int64_t d : out_dims) n *= d;
  bool a_same = std::equal(a_dims.begin(), a_dims.end(), out_dims.begin(),
                           out_dims.end());
  bool b_same = std::equal(b_dims.begin(), b_dims.end(), out_dims.begin(),
                           out_dims.end());
  int64_t a_n = 1, b_n = 1;
  for (int64_t d : a_dims) a_n *= d;
  for (int64_t d : b_dims) b_n *= d;
  if (a_same && b_same) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (a_same && b_n == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[0]);
  } else if (b_same && a_n == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[0], b[i]);
  } else {
    const std::vector<int64_t> ia = BroadcastIndex(a_dims, out_dims);
    const std::vector<int64_t> ib = BroadcastIndex(b_dims, out_dims);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = f(a[ia[static_cast<size_t>(i)]], b[ib[static_cast<size_t>(i)]]);
    }
  }
}

// C[m,n] = op(A) * op(B) with op = transpose when asked; A is [m,k] (or
// [k,m] transposed), B is [k,n] (or [n,k]).
template <typename T>
void MatMul(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n,
            bool transpose_a, bool transpose_b) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T sum{};
      for (int64_t p = 0; p < k; ++p) {
        const T av = transpose_a ? a[p * m + i] : a[i * k + p];
        const T bv = transpose_b ? b[j * k + p] : b[p * n + j];
        sum += av * bv;
      }
      c[i * n + j] = sum;
    }
  }
}

// Output size and leading padding of one spatial dimension (TF's
// GetWindowedOutputSize for "SAME"/"VALID"); nullopt when the window does
// not fit.
struct Window {
  int64_t out = 0;
  int64_t pad_before = 0;
};
std::optional<Window> ComputeWindow(int64_t in, int64_t filter,
                                    int64_t stride, int64_t dilation,
                                    bool same);

// Geometry of a 2-D NHWC convolution or pooling.
struct Conv2DGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t filter_h = 0, filter_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

// Conv2D: input NHWC, filter HWIO [fh, fw, in_c, out_c], output
// [batch, out_h, out_w, out_c].
template <typename T>
void Conv2D(const Conv2DGeometry& g, int64_t out_c, const T* input,
            const T* filter, T* output) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t oc = 0; oc < out_c; ++oc) {
          T sum{};
          for (int64_t fy = 0; fy < g.filter_h; ++fy) {
            const int64_t iy = oy * g.stride_h + fy * g.dilation_h - g.pad_top;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t fx = 0; fx < g.filter_w; ++fx) {
              const int64_t ix =
                  ox * g.stride_w + fx * g.dilation_w - g.pad_left;
              if (ix < 0 || ix >= g.in_w) continue;
              for (int64_t ic = 0; ic < g.in_c; ++ic) {
                sum += input[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic] *
                       filter[((fy * g.filter_w + fx) * g.in_c + ic) * out_c +
                              oc];
              }
            }
          }
          output[((b * g.out_h + oy) * g.out_w + ox) * out_c + oc] = sum;
        }
}

// DepthwiseConv2dNative: filter [fh, fw, in_c, multiplier], output channel
// ic * multiplier + m.
template <typename T>
void DepthwiseConv2D(const Conv2DGeometry& g, int64_t multiplier,
                     const T* input, const T* filter, T* output) {
  const int64_t out_c = g.in_c * multiplier;
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t ic = 0; ic < g.in_c; ++ic)
          for (int64_t m = 0; m < multiplier; ++m) {
            T sum{};
            for (int64_t fy = 0; fy < g.filter_h; ++fy) {
              const int64_t iy =
                  oy * g.stride_h + fy * g.dilation_h - g.pad_top;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int64_t fx = 0; fx < g.filter_w; ++fx) {
                const int64_t ix =
                    ox * g.stride_w + fx * g.dilation_w - g.pad_left;
                if (ix < 0 || ix >= g.in_w) continue;
                sum += input[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic] *
                       filter[((fy * g.filter_w + fx) * g.in_c + ic) *
                                  multiplier +
                              m];
              }
            }
            output[((b * g.out_h + oy) * g.out_w + ox) * out_c +
                   ic * multiplier + m] = sum;
          }
}

// MaxPool / AvgPool (NHWC). AvgPool divides by the number of in-bounds
// elements, as TF does for SAME padding.
template <typename T>
void Pool(const Conv2DGeometry& g, bool max, const T* input, T* output) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t c = 0; c < g.in_c; ++c) {
          T acc = max ? std::numeric_limits<T>::lowest() : T{};
          int64_t count = 0;
          for (int64_t fy = 0; fy < g.filter_h; ++fy) {
            const int64_t iy = oy * g.stride_h + fy - g.pad_top;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t fx = 0; fx < g.filter_w; ++fx) {
              const int64_t ix = ox * g.stride_w + fx - g.pad_left;
              if (ix < 0 || ix >= g.in_w) continue;
              const T v = input[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + c];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          if (!max && count > 0) acc /= static_cast<T>(count);
          output[((b * g.out_h + oy) * g.out_w + ox) * g.in_c + c] = acc;
        }
}

}  // namespace tfckpt::internal::reference

#endif  // TFCKPT_SRC_KERNELS_REFERENCE_H_
