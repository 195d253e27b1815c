// Helpers shared by the benchmarks: workload specs, tensors filled with
// pseudo-random bytes, clocks and peak memory.
#ifndef TFCKPT_BENCH_BENCH_UTIL_H_
#define TFCKPT_BENCH_BENCH_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfckpt/dtype.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"

namespace tfckpt::bench {

// One tensor of a workload.
struct TensorSpec {
  std::string name;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
};

// Reads a workload written by bench/compare.py: one tensor per line,
// "NAME DTYPE DIMS" with DTYPE a Python name ("float32", "bfloat16",
// "string") and DIMS comma-separated ("-" for a scalar).
StatusOr<std::vector<TensorSpec>> ReadSpecFile(const std::string& path);

// A tensor of `dtype` and `shape` whose bytes are pseudo-random (strings:
// 1 to 64 random letters), derived from `seed`.
StatusOr<Tensor> RandomTensor(DataType dtype, const TensorShape& shape, uint64_t seed);

// Bytes a tensor stores (string lengths summed for strings).
uint64_t PayloadBytes(const Tensor& tensor);

// Resident set size of this process now, in bytes.
uint64_t CurrentRssBytes();

// Peak resident set size of this process so far, in bytes.
uint64_t PeakRssBytes();

// Monotonic seconds.
double NowSeconds();

}  // namespace tfckpt::bench

#endif  // TFCKPT_BENCH_BENCH_UTIL_H_
