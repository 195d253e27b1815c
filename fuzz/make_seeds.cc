// Writes the generated seed inputs of the fuzz corpora:
//   tfckpt_fuzz_make_seeds fuzz/corpus
// Bundles are written with BundleWriter into memory and laid out as each
// fuzz target reads its input; see README.md.
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <fstream>
#include <iostream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "fuzz/mem_file_system.h"
#include "src/base/coding.h"
#include "src/bundle/naming.h"
#include "src/bundle/string_codec.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_state.h"

namespace tfckpt::fuzzing {
namespace {

void Check(const Status& status) {
  if (!status.ok()) {
    std::cerr << status.ToString() << "\n";
    std::exit(1);
  }
}

template <typename T>
T Value(StatusOr<T> value) {
  Check(value.status());
  return *std::move(value);
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out.flush()) {
    std::cerr << "cannot write " << path << "\n";
    std::exit(1);
  }
}

template <typename T>
Tensor Values(const TensorShape& shape, std::initializer_list<T> values) {
  return Value(Tensor::FromValues<T>(shape, std::span<const T>(values.begin(), values.size())));
}

// Writes the bundle that `add` fills as an index seed and a data seed.
template <typename AddFn>
void WriteBundleSeeds(const std::string& corpus, const std::string& name, int alignment,
                      AddFn add) {
  MemFileSystem fs;
  const std::string prefix = "seed/model";
  auto writer = Value(BundleWriter::Create(prefix, {.data_alignment = alignment,
                                                    .file_system = &fs}));
  add(*writer);
  Check(writer->Finish());
  const std::string index = Value(fs.GetFile(internal::MetaFilename(prefix)));
  const std::string data = Value(fs.GetFile(internal::DataFilename(prefix, 0, 1)));
  Write(corpus + "/bundle_index_fuzzer/gen-" + name, index);
  std::string combined;
  internal::PutFixed32(&combined, static_cast<uint32_t>(index.size()));
  Write(corpus + "/bundle_data_fuzzer/gen-" + name, combined + index + data);
}

void WriteBundles(const std::string& corpus) {
  WriteBundleSeeds(corpus, "dtypes", 1, [](BundleWriter& w) {
    Check(w.Add("w1", Values<float>({2, 3}, {1, 2, 3, 4, 5, 6})));
    Check(w.Add("step", Values<int64_t>({}, {1000})));
    Check(w.Add("bias", Values<double>({1}, {-0.5})));
    Check(w.Add("flags", Values<bool>({2}, {true, false})));
    Check(w.Add("empty", Values<int32_t>({0, 4}, {})));
    Check(w.Add("bytes", Values<uint8_t>({3}, {0, 127, 255})));
    std::string long_string(200, 'x');
    Check(w.Add("names", Value(Tensor::FromStrings({3}, {"a", std::string("b\0c", 3),
                                                         long_string}))));
  });
  WriteBundleSeeds(corpus, "partitioned", 1, [](BundleWriter& w) {
    const TensorShape full{4, 2};
    Check(w.AddSlice("part", full, Value(TensorSlice::Parse("0,2:-")),
                     Values<float>({2, 2}, {1, 2, 3, 4})));
    Check(w.AddSlice("part", full, Value(TensorSlice::Parse("2,2:-")),
                     Values<float>({2, 2}, {5, 6, 7, 8})));
    Check(w.AddSlice("words", {2}, Value(TensorSlice::Parse("0,1")),
                     Value(Tensor::FromStrings({1}, {"left"}))));
    Check(w.AddSlice("words", {2}, Value(TensorSlice::Parse("1,1")),
                     Value(Tensor::FromStrings({1}, {"right"}))));
    Check(w.Add("v", Values<int32_t>({3}, {7, 8, 9})));
  });
  WriteBundleSeeds(corpus, "aligned", 64, [](BundleWriter& w) {
    Check(w.Add("a", Values<int16_t>({3}, {1, -2, 3})));
    Check(w.Add("b", Values<uint64_t>({2, 1}, {1, std::numeric_limits<uint64_t>::max()})));
  });
}

void WriteStringTensors(const std::string& corpus) {
  const std::vector<std::vector<std::string>> cases = {
      {}, {""}, {"hello", "world"}, {std::string("\0\0", 2), std::string(300, 'z'), "end"}};
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string input;
    input.push_back(static_cast<char>(cases[i].size() & 0xff));
    input.push_back(static_cast<char>(cases[i].size() >> 8));
    internal::EncodeStringTensor(cases[i], &input);
    Write(corpus + "/string_tensor_fuzzer/gen-" + std::to_string(i), input);
  }
}

void WriteStates(const std::string& corpus) {
  CheckpointState full;
  full.model_checkpoint_path = "/tmp/run/model-3";
  full.all_model_checkpoint_paths = {"model-1", "we\"ird\\name\n\x01-2", "/tmp/run/model-3"};
  full.all_model_checkpoint_timestamps = {1.5e9, 1700000000.25,
                                          std::numeric_limits<double>::infinity()};
  full.last_preserved_timestamp = 1234.5;
  Write(corpus + "/checkpoint_state_fuzzer/gen-full", FormatCheckpointState(full));
  CheckpointState minimal;
  minimal.model_checkpoint_path = "model.ckpt-0";
  Write(corpus + "/checkpoint_state_fuzzer/gen-minimal", FormatCheckpointState(minimal));
}

}  // namespace
}  // namespace tfckpt::fuzzing

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR (e.g. fuzz/corpus)\n";
    return 2;
  }
  const std::string corpus = argv[1];
  tfckpt::fuzzing::WriteBundles(corpus);
  tfckpt::fuzzing::WriteStringTensors(corpus);
  tfckpt::fuzzing::WriteStates(corpus);
  return 0;
}
