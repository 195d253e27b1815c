#include "src/kernels/reference.h"

namespace tfckpt::internal::reference {

std::optional<std::vector<int64_t>> BroadcastDims(std::span<const int64_t> a,
                                                  std::span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> BroadcastIndex(std::span<const int64_t> in,
                                    std::span<const int64_t> out) {
  const size_t rank = out.size();
  // Stride of each output dim in the input; 0 where the input broadcasts.
  std::vector<int64_t> stride(rank, 0);
  int64_t s = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t i = in.size() - 1 - k;
    const size_t o = rank - 1 - k;
    stride[o] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  std::vector<int64_t> index(static_cast<size_t>(n));
  std::vector<int64_t> pos(rank, 0);
  int64_t offset = 0;
  for (int64_t flat = 0; flat < n; ++flat) {
    index[static_cast<size_t>(flat)] = offset;
    for (size_t d = rank; d-- > 0;) {
      ++pos[d];
      offset += stride[d];
      if (pos[d] < out[d]) break;
      offset -= stride[d] * pos[d];
      pos[d] = 0;
    }
  }
  return index;
}

std::optional<Window> ComputeWindow(int64_t in, int64_t filter,
                                    int64_t stride, int64_t dilation,
                                    bool same) {
  if (stride <= 0 || dilation <= 0 || filter <= 0) return std::nullopt;
  const int64_t effective = (filter - 1) * dilation + 1;
  Window w;
  if (same) {
    w.out = (in + stride - 1) / stride;
    const int64_t total =
        std::max<int64_t>((w.out - 1) * stride + effective - in, 0);
    w.pad_before = total / 2;
  } else {
    if (in < effective) return std::nullopt;
    w.out = (in - effective + stride) / stride;
  }
  return w;
}

}  // namespace tfckpt::internal::reference
