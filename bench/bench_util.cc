#include "bench/bench_util.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace tfckpt::bench {

StatusOr<std::vector<TensorSpec>> ReadSpecFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError(path + ": cannot open the workload spec");
  std::vector<TensorSpec> specs;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string name, dtype_name, dims_text;
    if (!(fields >> name >> dtype_name >> dims_text)) {
      return InvalidArgumentError(path + ":" + std::to_string(line_number) +
                                  ": expected NAME DTYPE DIMS");
    }
    TensorSpec spec;
    spec.name = name;
    TFCKPT_ASSIGN_OR_RETURN(spec.dtype, DataTypeFromName(dtype_name));
    std::vector<int64_t> dims;
    if (dims_text != "-") {
      std::istringstream dim_fields(dims_text);
      for (std::string dim; std::getline(dim_fields, dim, ',');) {
        int64_t value = 0;
        const auto [end, error] = std::from_chars(dim.data(), dim.data() + dim.size(), value);
        if (error != std::errc() || end != dim.data() + dim.size()) {
          return InvalidArgumentError(path + ":" + std::to_string(line_number) + ": bad dim '" +
                                      dim + "'");
        }
        dims.push_back(value);
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(spec.shape, TensorShape::Create(dims));
    specs.push_back(std::move(spec));
  }
  return specs;
}

StatusOr<Tensor> RandomTensor(DataType dtype, const TensorShape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  if (dtype == DataType::kString) {
    std::vector<std::string> values(static_cast<size_t>(shape.num_elements()));
    for (std::string& value : values) {
      value.resize(1 + rng() % 64);
      for (char& c : value) c = static_cast<char>('a' + rng() % 26);
    }
    return Tensor::FromStrings(shape, std::move(values));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(dtype, shape));
  auto* bytes = static_cast<unsigned char*>(tensor.mutable_data());
  size_t i = 0;
  for (; i + 8 <= tensor.byte_size(); i += 8) {
    const uint64_t word = rng();
    std::memcpy(bytes + i, &word, 8);
  }
  for (; i < tensor.byte_size(); ++i) bytes[i] = static_cast<unsigned char>(rng());
  // Keep bools 0/1 so that every reader accepts them.
  if (dtype == DataType::kBool) {
    for (size_t b = 0; b < tensor.byte_size(); ++b) bytes[b] &= 1;
  }
  return tensor;
}

uint64_t PayloadBytes(const Tensor& tensor) {
  if (tensor.dtype() != DataType::kString) return tensor.byte_size();
  uint64_t total = 0;
  for (const std::string& s : tensor.strings()) total += s.size();
  return total;
}

uint64_t CurrentRssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tfckpt::bench
