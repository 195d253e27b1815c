// Micro-benchmarks (Google Benchmark): CRC32C, bundle write and read,
// index look-ups, Session overhead per op, MatMul and Conv2D.
//
//   build/bin/micro_bench                    full sizes (make bench runs it)
//   build/bin/micro_bench --smoke            tiny sizes: CTest's smoke run
// Throughputs are in bytes_per_second; the Session benchmark reports
// ns_per_op and the kernels GFLOP/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "bench/bench_util.h"
#include "src/base/crc32c.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/graph.h"
#include "tfckpt/session.h"

namespace tfckpt::bench {
namespace {

// Aborts the benchmark run on an error: a benchmark that silently measures a
// failure would report nonsense.
template <typename T>
T CheckOk(StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "micro_bench: %s\n", value.status().ToString().c_str());
    std::abort();
  }
  return *std::move(value);
}
void CheckOk(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "micro_bench: %s\n", status.ToString().c_str());
    std::abort();
  }
}

// A scratch directory for the bundle benchmarks, removed at exit.
class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() /
              ("tfckpt_micro_bench." + std::to_string(getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string Prefix(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A function-local static, so that its destructor runs at exit and removes
// the directory (the bundles are a gigabyte at full size).
ScratchDir& Scratch() {
  static ScratchDir dir;
  return dir;
}

// `count` float32 tensors of `bytes_each` bytes.
std::vector<Tensor> Tensors(int64_t count, int64_t bytes_each) {
  std::vector<Tensor> tensors;
  for (int64_t i = 0; i < count; ++i) {
    tensors.push_back(CheckOk(RandomTensor(DataType::kFloat, TensorShape{bytes_each / 4},
                                           static_cast<uint64_t>(i))));
  }
  return tensors;
}

std::string TensorName(int64_t i) { return "layer_" + std::to_string(i) + "/kernel"; }

void WriteBundle(const std::string& prefix, const std::vector<Tensor>& tensors) {
  BundleWriterOptions options;
  options.sync = false;  // the page cache, as TensorFlow's SaveV2
  auto writer = CheckOk(BundleWriter::Create(prefix, options));
  for (size_t i = 0; i < tensors.size(); ++i) {
    CheckOk(writer->Add(TensorName(static_cast<int64_t>(i)), tensors[i]));
  }
  CheckOk(writer->Finish());
}

void BM_Crc32c(benchmark::State& state) {
  const Tensor data =
      CheckOk(RandomTensor(DataType::kUInt8, TensorShape{state.range(0)}, 1));
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = crc32c::Value(data.data(), data.byte_size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// Args: tensor count, bytes per tensor.
void BM_BundleWrite(benchmark::State& state) {
  const std::vector<Tensor> tensors = Tensors(state.range(0), state.range(1));
  const std::string prefix = Scratch().Prefix("write");
  for (auto _ : state) WriteBundle(prefix, tensors);
  state.SetBytesProcessed(state.iterations() * state.range(0) * state.range(1));
}

// Args: tensor count, bytes per tensor. Reads every tensor with its
// checksum from the page cache.
void BM_BundleRead(benchmark::State& state) {
  const std::string prefix = Scratch().Prefix("read");
  WriteBundle(prefix, Tensors(state.range(0), state.range(1)));
  std::vector<std::string> names;
  for (int64_t i = 0; i < state.range(0); ++i) names.push_back(TensorName(i));
  auto reader = CheckOk(BundleReader::Open(prefix));
  for (auto _ : state) benchmark::DoNotOptimize(CheckOk(reader->ReadTensors(names)));
  state.SetBytesProcessed(state.iterations() * state.range(0) * state.range(1));
}

// Arg: tensor count. One GetEntryInfo of a random name.
void BM_IndexLookup(benchmark::State& state) {
  const std::string prefix = Scratch().Prefix("lookup");
  WriteBundle(prefix, Tensors(state.range(0), 16));
  auto reader = CheckOk(BundleReader::Open(prefix));
  std::mt19937_64 rng(7);
  std::vector<std::string> names;
  for (int i = 0; i < 1024; ++i) {
    names.push_back(TensorName(static_cast<int64_t>(rng() % static_cast<uint64_t>(state.range(0)))));
  }
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckOk(reader->GetEntryInfo(names[next++ % names.size()])));
  }
}

tensorflow::NodeDef* AddNode(tensorflow::GraphDef* graph, const std::string& name,
                             const std::string& op, const std::vector<std::string>& inputs) {
  tensorflow::NodeDef* node = graph->add_node();
  node->set_name(name);
  node->set_op(op);
  for (const std::string& input : inputs) node->add_input(input);
  (*node->mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  return node;
}

void AddPlaceholder(tensorflow::GraphDef* graph, const std::string& name) {
  tensorflow::NodeDef* node = graph->add_node();
  node->set_name(name);
  node->set_op("Placeholder");
  (*node->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT);
}

// Arg: chain length. x + 1 + 1 + ... through a chain of scalar Adds, so
// every op waits for the previous one: the time per op is the executor's
// overhead.
void BM_SessionAddChain(benchmark::State& state) {
  const int64_t length = state.range(0);
  tensorflow::GraphDef graph_def;
  AddPlaceholder(&graph_def, "x");
  AddPlaceholder(&graph_def, "one");
  std::string previous = "x";
  for (int64_t i = 0; i < length; ++i) {
    const std::string name = "add_" + std::to_string(i);
    AddNode(&graph_def, name, "Add", {previous, "one"});
    previous = name;
  }
  auto graph = CheckOk(Graph::FromGraphDef(graph_def));
  auto session = CheckOk(Session::Create(graph.get()));
  const Tensor x = CheckOk(Tensor::FromValues<float>(TensorShape{}, std::vector<float>{0}));
  const Tensor one = CheckOk(Tensor::FromValues<float>(TensorShape{}, std::vector<float>{1}));
  const std::vector<std::pair<std::string, Tensor>> feeds = {{"x:0", x}, {"one:0", one}};
  const std::vector<std::string> fetches = {previous + ":0"};
  for (auto _ : state) {
    std::vector<Tensor> out = CheckOk(session->Run(feeds, fetches, {}));
    if (out[0].flat<float>()[0] != static_cast<float>(length)) {
      state.SkipWithError("wrong sum from the Add chain");
      break;
    }
  }
  // Seconds per executed op (printed with an SI prefix: "1.5u" is 1.5 us).
  state.counters["time_per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations() * length),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Floats uniform in [-1, 1): random bit patterns would hold NaNs and
// denormals, which make kernels slower than on real data.
Tensor RandomFloats(const TensorShape& shape, uint32_t seed) {
  Tensor tensor = CheckOk(Tensor::Allocate(DataType::kFloat, shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : tensor.mutable_flat<float>()) v = uniform(rng);
  return tensor;
}

// Runs `graph_def`'s "out" on the fed inputs; reports GFLOP/s for `flops`
// per run.
void RunKernelBenchmark(benchmark::State& state, const tensorflow::GraphDef& graph_def,
                        const std::vector<std::pair<std::string, Tensor>>& feeds,
                        double flops) {
  auto graph = CheckOk(Graph::FromGraphDef(graph_def));
  auto session = CheckOk(Session::Create(graph.get()));
  for (auto _ : state) benchmark::DoNotOptimize(CheckOk(session->Run(feeds, {"out:0"}, {})));
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// Arg: n for an n x n by n x n product.
void BM_MatMul(benchmark::State& state) {
  const int64_t n = state.range(0);
  tensorflow::GraphDef graph_def;
  AddPlaceholder(&graph_def, "a");
  AddPlaceholder(&graph_def, "b");
  AddNode(&graph_def, "out", "MatMul", {"a", "b"});
  RunKernelBenchmark(state, graph_def,
                     {{"a:0", RandomFloats(TensorShape{n, n}, 1)},
                      {"b:0", RandomFloats(TensorShape{n, n}, 2)}},
                     2.0 * static_cast<double>(n * n * n));
}

// Args: image size, channels in and out; batch 8, 3x3 kernel, SAME.
void BM_Conv2D(benchmark::State& state) {
  const int64_t size = state.range(0), channels = state.range(1), batch = 8;
  tensorflow::GraphDef graph_def;
  AddPlaceholder(&graph_def, "x");
  AddPlaceholder(&graph_def, "k");
  tensorflow::NodeDef* conv = AddNode(&graph_def, "out", "Conv2D", {"x", "k"});
  for (int i = 0; i < 4; ++i) (*conv->mutable_attr())["strides"].mutable_list()->add_i(1);
  (*conv->mutable_attr())["padding"].set_s("SAME");
  RunKernelBenchmark(
      state, graph_def,
      {{"x:0", RandomFloats(TensorShape{batch, size, size, channels}, 1)},
       {"k:0", RandomFloats(TensorShape{3, 3, channels, channels}, 2)}},
      2.0 * static_cast<double>(batch * size * size * channels * channels * 9));
}

void Register(bool smoke) {
  // {smoke size, full size}
  auto pick = [smoke](int64_t tiny, int64_t full) { return smoke ? tiny : full; };
  benchmark::RegisterBenchmark("BM_Crc32c", BM_Crc32c)
      ->Arg(pick(4096, 4096))
      ->Arg(pick(65536, int64_t{64} << 20));
  benchmark::RegisterBenchmark("BM_BundleWrite", BM_BundleWrite)
      ->Args({pick(4, 200), pick(4096, int64_t{5} << 20)})
      ->Args({pick(1, 1), pick(4096, int64_t{1} << 30)})
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_BundleRead", BM_BundleRead)
      ->Args({pick(4, 200), pick(4096, int64_t{5} << 20)})
      ->Args({pick(1, 1), pick(4096, int64_t{1} << 30)})
      ->Args({pick(16, 20000), pick(256, 256)})
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_IndexLookup", BM_IndexLookup)->Arg(pick(16, 20000));
  benchmark::RegisterBenchmark("BM_SessionAddChain", BM_SessionAddChain)
      ->Arg(pick(10, 10000))
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_MatMul", BM_MatMul)->Arg(pick(8, 1024))->UseRealTime();
  benchmark::RegisterBenchmark("BM_Conv2D", BM_Conv2D)
      ->Args({pick(4, 56), pick(2, 64)})
      ->UseRealTime();
}

}  // namespace
}  // namespace tfckpt::bench

int main(int argc, char** argv) {
  bool smoke = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--smoke") {
      smoke = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  tfckpt::bench::Register(smoke);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
