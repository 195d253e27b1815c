// The tfckpt side of bench/compare.py. Each command runs its measurement
// once untimed (warm-up, as bench/peers.py does), then --runs times in this
// process, and prints one JSON line:
//   {"times": [seconds...], "bytes": N, "base_rss": B, "peak_rss": P}
// base_rss is the resident memory before the first timed run (the workload's
// own tensors, for save), peak_rss the process's peak after the last.
//
//   tfckpt_bench_driver save SPEC PREFIX [--runs N] [--sync] [--shards S]
//   tfckpt_bench_driver restore PREFIX [--runs N] [--threads T] [--map]
//   tfckpt_bench_driver open PREFIX [--runs N]      (Open + one look-up)
//   tfckpt_bench_driver memcpy BYTES [--runs N] [--threads T]
//   tfckpt_bench_driver readfiles FILE... [--runs N] [--threads T]
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/file_system.h"

namespace tfckpt::bench {
namespace {

struct Args {
  std::string command;
  std::vector<std::string> positional;
  int runs = 5;
  int threads = 0;
  int shards = 1;
  bool sync = false;
  bool map = false;
};

StatusOr<int> ParseInt(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return InvalidArgumentError("not a count: '" + std::string(text) + "'");
  }
  return value;
}

StatusOr<Args> ParseArgs(int argc, char** argv) {
  if (argc < 2) return InvalidArgumentError("usage: see the top of bench/bench_driver.cc");
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--runs" || arg == "--threads" || arg == "--shards") && i + 1 < argc) {
      TFCKPT_ASSIGN_OR_RETURN(const int value, ParseInt(argv[++i]));
      (arg == "--runs" ? args.runs : arg == "--threads" ? args.threads : args.shards) = value;
    } else if (arg == "--sync") {
      args.sync = true;
    } else if (arg == "--map") {
      args.map = true;
    } else {
      args.positional.emplace_back(arg);
    }
  }
  return args;
}

struct Measurement {
  std::vector<double> times;
  uint64_t bytes = 0;
  uint64_t base_rss = 0;
};

void Print(const Measurement& m) {
  std::ostringstream out;
  out << "{\"times\": [";
  for (size_t i = 0; i < m.times.size(); ++i) out << (i ? ", " : "") << m.times[i];
  out << "], \"bytes\": " << m.bytes << ", \"base_rss\": " << m.base_rss
      << ", \"peak_rss\": " << PeakRssBytes() << "}\n";
  std::cout << out.str();
}

StatusOr<Measurement> Save(const Args& args) {
  if (args.positional.size() != 2) return InvalidArgumentError("save SPEC PREFIX");
  TFCKPT_ASSIGN_OR_RETURN(const std::vector<TensorSpec> specs, ReadSpecFile(args.positional[0]));
  std::vector<SaveEntry> tensors;
  Measurement m;
  for (size_t i = 0; i < specs.size(); ++i) {
    TFCKPT_ASSIGN_OR_RETURN(Tensor t, RandomTensor(specs[i].dtype, specs[i].shape, i));
    m.bytes += PayloadBytes(t);
    tensors.push_back({specs[i].name, std::move(t), ""});
  }
  m.base_rss = CurrentRssBytes();
  WriteBundleOptions options;
  options.writer.sync = args.sync;
  options.num_shards = args.shards;
  for (int run = -1; run < args.runs; ++run) {  // run -1: warm-up
    const double start = NowSeconds();
    TFCKPT_RETURN_IF_ERROR(WriteBundle(args.positional[1], tensors, options));
    if (run >= 0) m.times.push_back(NowSeconds() - start);
  }
  return m;
}

StatusOr<Measurement> Restore(const Args& args) {
  if (args.positional.size() != 1) return InvalidArgumentError("restore PREFIX");
  Measurement m;
  m.base_rss = CurrentRssBytes();
  BundleReaderOptions options;
  options.num_threads = args.threads;
  for (int run = -1; run < args.runs; ++run) {  // run -1: warm-up
    const double start = NowSeconds();
    TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(args.positional[0], options));
    TFCKPT_ASSIGN_OR_RETURN(const std::vector<BundleEntryInfo> entries, reader->ListEntries());
    std::vector<std::string> names;
    names.reserve(entries.size());
    for (const BundleEntryInfo& entry : entries) names.push_back(entry.name);
    TFCKPT_ASSIGN_OR_RETURN(
        const std::vector<Tensor> tensors,
        args.map ? reader->MapTensors(names) : reader->ReadTensors(names));
    if (run >= 0) m.times.push_back(NowSeconds() - start);
    m.bytes = 0;
    for (const Tensor& t : tensors) m.bytes += PayloadBytes(t);
  }
  return m;
}

StatusOr<Measurement> OpenLazily(const Args& args) {
  if (args.positional.size() != 1) return InvalidArgumentError("open PREFIX");
  Measurement m;
  m.base_rss = CurrentRssBytes();
  std::string first_name;
  {
    TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(args.positional[0]));
    TFCKPT_ASSIGN_OR_RETURN(const std::vector<BundleEntryInfo> entries, reader->ListEntries());
    if (entries.empty()) return InvalidArgumentError(args.positional[0] + " holds no tensor");
    first_name = entries.front().name;
  }
  for (int run = -1; run < args.runs; ++run) {  // run -1: warm-up
    const double start = NowSeconds();
    TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(args.positional[0]));
    TFCKPT_ASSIGN_OR_RETURN(const BundleEntryInfo info, reader->GetEntryInfo(first_name));
    if (run >= 0) m.times.push_back(NowSeconds() - start);
    m.bytes = static_cast<uint64_t>(info.size);
  }
  return m;
}

// A buffer whose pages are already mapped, so that only the copy is timed.
std::unique_ptr<char[]> Prefaulted(size_t n) {
  auto buffer = std::make_unique<char[]>(n);
  std::memset(buffer.get(), 1, n);
  return buffer;
}

// Runs fn(t, begin, end) for each thread t of `threads` on its share of
// [0, n).
template <typename Fn>
void SplitAcrossThreads(size_t n, size_t threads, const Fn& fn) {
  std::vector<std::thread> helpers;
  const size_t share = (n + threads - 1) / threads;
  for (size_t t = 1; t < threads; ++t) {
    helpers.emplace_back(fn, t, std::min(n, t * share), std::min(n, (t + 1) * share));
  }
  fn(size_t{0}, size_t{0}, std::min(n, share));
  for (std::thread& helper : helpers) helper.join();
}

size_t ThreadCount(const Args& args) { return static_cast<size_t>(std::max(args.threads, 1)); }

StatusOr<Measurement> Memcpy(const Args& args) {
  if (args.positional.size() != 1) return InvalidArgumentError("memcpy BYTES");
  uint64_t n = 0;
  const std::string& text = args.positional[0];
  if (std::from_chars(text.data(), text.data() + text.size(), n).ec != std::errc()) {
    return InvalidArgumentError("not a byte count: " + text);
  }
  Measurement m;
  m.bytes = n;
  auto src = Prefaulted(n), dst = Prefaulted(n);
  m.base_rss = CurrentRssBytes();
  for (int run = -1; run < args.runs; ++run) {  // run -1: warm-up
    const double start = NowSeconds();
    SplitAcrossThreads(n, ThreadCount(args), [&](size_t, size_t begin, size_t end) {
      std::memcpy(dst.get() + begin, src.get() + begin, end - begin);
    });
    if (run >= 0) m.times.push_back(NowSeconds() - start);
  }
  return m;
}

StatusOr<Measurement> ReadFiles(const Args& args) {
  FileSystem* fs = FileSystem::Default();
  std::vector<std::unique_ptr<RandomAccessFile>> files;
  Measurement m;
  for (const std::string& path : args.positional) {
    TFCKPT_ASSIGN_OR_RETURN(auto file, fs->OpenForRead(path));
    m.bytes += file->size();
    files.push_back(std::move(file));
  }
  auto buffer = Prefaulted(m.bytes);
  m.base_rss = CurrentRssBytes();
  for (int run = -1; run < args.runs; ++run) {  // run -1: warm-up
    const double start = NowSeconds();
    char* dst = buffer.get();
    for (const auto& file : files) {
      // Each file split across the threads, as the reader splits a tensor.
      std::vector<Status> statuses(ThreadCount(args));
      SplitAcrossThreads(file->size(), statuses.size(),
                         [&](size_t t, size_t begin, size_t end) {
                           statuses[t] = file->Read(begin, end - begin, dst + begin);
                         });
      for (const Status& s : statuses) TFCKPT_RETURN_IF_ERROR(s);
      dst += file->size();
    }
    if (run >= 0) m.times.push_back(NowSeconds() - start);
  }
  return m;
}

StatusOr<Measurement> Run(const Args& args) {
  if (args.command == "save") return Save(args);
  if (args.command == "restore") return Restore(args);
  if (args.command == "open") return OpenLazily(args);
  if (args.command == "memcpy") return Memcpy(args);
  if (args.command == "readfiles") return ReadFiles(args);
  return InvalidArgumentError("unknown command '" + args.command + "'");
}

}  // namespace
}  // namespace tfckpt::bench

int main(int argc, char** argv) {
  auto args = tfckpt::bench::ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "tfckpt_bench_driver: " << args.status().ToString() << "\n";
    return 2;
  }
  auto measurement = tfckpt::bench::Run(*args);
  if (!measurement.ok()) {
    std::cerr << "tfckpt_bench_driver: " << measurement.status().ToString() << "\n";
    return 1;
  }
  tfckpt::bench::Print(*measurement);
  return 0;
}
