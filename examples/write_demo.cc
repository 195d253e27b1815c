// write_demo: writes a small TensorFlow V2 checkpoint with tfckpt, reads it
// back, and prints every tensor. TensorFlow loads the result as it is
// (tf.train.load_checkpoint("demo-out/model-1000")).
//
//   write_demo [PREFIX]        PREFIX defaults to demo-out/model-1000
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/tfckpt.h"

namespace {

using tfckpt::BundleReader;
using tfckpt::BundleWriter;
using tfckpt::DataType;
using tfckpt::Status;
using tfckpt::Tensor;
using tfckpt::TensorShape;
using tfckpt::TensorSlice;

// The tensors the demo saves, by name, as a reader should see them.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Saves the [6,2] "embedding" as two blocks of 3 rows, the way TensorFlow
// saves a partitioned variable, and records the whole tensor in `expected`.
Status AddPartitioned(BundleWriter& writer, NamedTensors& expected) {
  const TensorShape full_shape{6, 2};
  std::vector<float> values(6 * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = 0.25f * static_cast<float>(i);
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor full,
                          Tensor::FromValues<float>(full_shape, values));
  expected.emplace_back("embedding", full);

  constexpr int64_t kRowsPerPart = 3;
  for (int64_t start = 0; start < full_shape.dim(0); start += kRowsPerPart) {
    TFCKPT_ASSIGN_OR_RETURN(
        TensorSlice slice,
        TensorSlice::Create({{start, kRowsPerPart}, {0, full_shape.dim(1)}}));
    const auto first = static_cast<size_t>(start * full_shape.dim(1));
    const auto count = static_cast<size_t>(kRowsPerPart * full_shape.dim(1));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor part, Tensor::FromValues<float>(
                         TensorShape{kRowsPerPart, full_shape.dim(1)},
                         std::span<const float>(values).subspan(first, count)));
    TFCKPT_RETURN_IF_ERROR(
        writer.AddSlice("embedding", full_shape, slice, part));
  }
  return tfckpt::OkStatus();
}

Status Write(const std::string& prefix, NamedTensors& expected) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleWriter> writer,
                          BundleWriter::Create(prefix));

  std::vector<float> kernel(3 * 4);
  for (size_t i = 0; i < kernel.size(); ++i) {
    kernel[i] = 0.5f * static_cast<float>(i) - 1.0f;
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor dense_kernel,
                          Tensor::FromValues<float>(TensorShape{3, 4}, kernel));
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor step,
      Tensor::FromValues<int64_t>(TensorShape(), std::vector<int64_t>{1000}));
  TFCKPT_ASSIGN_OR_RETURN(Tensor learning_rate,
                          Tensor::FromValues<tfckpt::Half>(
                              TensorShape(), std::vector<tfckpt::Half>{
                                                 tfckpt::FloatToHalf(0.001f)}));
  const bool mask_values[] = {true, false, true, true, false};
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor mask, Tensor::FromValues<bool>(TensorShape{5}, mask_values));
  // Strings are byte strings: an embedded NUL is kept.
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor vocab,
      Tensor::FromStrings(TensorShape{4}, {"<pad>", "hello", "world",
                                           std::string("nul\0byte", 8)}));

  expected = {{"dense/kernel", dense_kernel},
              {"global_step", step},
              {"optimizer/learning_rate", learning_rate},
              {"mask", mask},
              {"vocab", vocab}};
  // The data file keeps this order; the index is sorted by name.
  for (const auto& [name, tensor] : expected) {
    TFCKPT_RETURN_IF_ERROR(writer->Add(name, tensor));
  }
  TFCKPT_RETURN_IF_ERROR(AddPartitioned(*writer, expected));
  return writer->Finish();
}

// A byte string in double quotes, unprintable bytes as \xNN.
std::string Quoted(const std::string& bytes) {
  std::string out = "\"";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      constexpr char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Up to six elements, e.g. "[-1, -0.5, 0, ...]".
std::string Preview(const Tensor& t) {
  constexpr int64_t kMaxShown = 6;
  const int64_t shown = std::min(t.num_elements(), kMaxShown);
  std::ostringstream out;
  out << "[";
  for (int64_t i = 0; i < shown; ++i) {
    const auto k = static_cast<size_t>(i);
    if (i > 0) out << ", ";
    switch (t.dtype()) {
      case DataType::kFloat:
        out << t.flat<float>()[k];
        break;
      case DataType::kInt64:
        out << t.flat<int64_t>()[k];
        break;
      case DataType::kHalf:
        out << tfckpt::HalfToFloat(t.flat<tfckpt::Half>()[k]);
        break;
      case DataType::kBool:
        out << (t.flat<bool>()[k] ? "true" : "false");
        break;
      case DataType::kString:
        out << Quoted(t.strings()[k]);
        break;
      default:
        out << "?";
        break;
    }
  }
  if (t.num_elements() > shown) out << ", ...";
  out << "]";
  return out.str();
}

// Reads every tensor back, prints it, and checks it against what was saved.
Status ReadBack(const std::string& prefix, const NamedTensors& expected) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                          BundleReader::Open(prefix));
  TFCKPT_ASSIGN_OR_RETURN(std::vector<tfckpt::BundleEntryInfo> entries,
                          reader->ListEntries());
  std::cout << "Wrote " << prefix << " (" << reader->num_shards()
            << " data shard), " << entries.size() << " tensors:\n";
  for (const tfckpt::BundleEntryInfo& entry : entries) {
    TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, reader->ReadTensor(entry.name));
    std::string where;
    if (entry.partitioned()) {
      where = std::to_string(entry.slices.size()) + " slices:";
      for (const TensorSlice& slice : entry.slices) {
        where += " " + slice.DebugString();
      }
    } else {
      where = "offset " + std::to_string(entry.offset) + ", " +
              std::to_string(entry.size) + " bytes";
    }
    std::cout << "  " << std::left << std::setw(25) << entry.name
              << std::setw(9) << tfckpt::DataTypeName(entry.dtype)
              << std::setw(7) << entry.shape.DebugString() << std::setw(28)
              << where << Preview(tensor) << "\n";

    const auto it = std::find_if(
        expected.begin(), expected.end(),
        [&](const auto& named) { return named.first == entry.name; });
    if (it == expected.end() || !it->second.IdenticalTo(tensor)) {
      return tfckpt::InternalError("read back a different " + entry.name);
    }
  }
  if (entries.size() != expected.size()) {
    return tfckpt::InternalError("read back " + std::to_string(entries.size()) +
                                 " tensors, wrote " +
                                 std::to_string(expected.size()));
  }
  std::cout << "Read back all " << entries.size()
            << " tensors: identical to what was written.\n";
  return tfckpt::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: write_demo [PREFIX]\n";
    return 2;
  }
  const std::string prefix = argc == 2 ? argv[1] : "demo-out/model-1000";
  NamedTensors expected;
  Status status = Write(prefix, expected);
  if (status.ok()) status = ReadBack(prefix, expected);
  if (!status.ok()) {
    std::cerr << "write_demo: " << status << "\n";
    return 1;
  }
  return 0;
}
