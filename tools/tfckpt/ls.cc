// tfckpt ls PREFIX [--json]: one row per tensor.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/dtype.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

struct LsOptions {
  std::string prefix;
  bool json = false;
  bool tree = false;
};

struct Row {
  std::string name;
  std::string dtype;
  std::string shape;
  std::string bytes;
};

// Bytes the tensor occupies in the data files; for a partitioned tensor, the
// sum over its stored slices.
StatusOr<int64_t> StoredBytes(const CheckpointReader& reader,
                              const BundleEntryInfo& entry) {
  if (!entry.partitioned()) return entry.size;
  int64_t total = 0;
  for (const TensorSlice& slice : entry.slices) {
    TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo stored,
                            reader.GetSliceEntryInfo(entry.name, slice));
    total += stored.size;
  }
  return total;
}

void PrintTable(const std::vector<Row>& rows) {
  size_t name_w = 4, dtype_w = 5, shape_w = 5, bytes_w = 5;
  for (const Row& r : rows) {
    name_w = std::max(name_w, r.name.size());
    dtype_w = std::max(dtype_w, r.dtype.size());
    shape_w = std::max(shape_w, r.shape.size());
    bytes_w = std::max(bytes_w, r.bytes.size());
  }
  auto pad = [](const std::string& s, size_t width) {
    return std::string(width - s.size(), ' ');
  };
  auto print = [&](const Row& r) {
    std::cout << r.name << pad(r.name, name_w) << "  " << r.dtype
              << pad(r.dtype, dtype_w) << "  " << r.shape
              << pad(r.shape, shape_w) << "  " << pad(r.bytes, bytes_w)
              << r.bytes << "\n";
  };
  print({"NAME", "DTYPE", "SHAPE", "BYTES"});
  for (const Row& r : rows) print(r);
}

// One object per line, so the output stays greppable.
void PrintJson(const std::vector<BundleEntryInfo>& entries) {
  std::cout << "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    const BundleEntryInfo& e = entries[i];
    std::cout << (i == 0 ? "\n  " : ",\n  ")
              << "{\"name\": " << JsonString(e.name)
              << ", \"dtype\": " << JsonString(DataTypeName(e.dtype))
              << ", \"shape\": [";
    for (int d = 0; d < e.shape.rank(); ++d) {
      std::cout << (d == 0 ? "" : ", ") << e.shape.dim(d);
    }
    std::cout << "]}";
  }
  std::cout << (entries.empty() ? "]\n" : "\n]\n");
}

int RunLs(const LsOptions& opts) {
  if (opts.tree) return RunTree(opts.prefix, opts.json);
  auto reader = OpenCheckpoint(opts.prefix);
  if (!reader.ok()) return Fail(reader.status());
  auto entries = (*reader)->ListEntries();
  if (!entries.ok()) return Fail(entries.status());

  if (opts.json) {
    PrintJson(*entries);
    return kExitOk;
  }
  std::vector<Row> rows;
  rows.reserve(entries->size());
  for (const BundleEntryInfo& e : *entries) {
    auto bytes = StoredBytes(**reader, e);
    if (!bytes.ok()) return Fail(bytes.status());
    rows.push_back({e.name, std::string(DataTypeName(e.dtype)),
                    e.shape.DebugString(), std::to_string(*bytes)});
  }
  PrintTable(rows);
  return kExitOk;
}

}  // namespace

void AddLsCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ls",
      "List the tensors: name, dtype, shape and bytes stored (partitioned "
      "tensors once, under their full name)");
  cmd->add_option("PREFIX", opts->prefix,
                  kCheckpointArgHelp)
      ->required();
  cmd->add_flag("--json", opts->json,
                R"(Print a JSON array of {"name", "dtype", "shape"})");
  cmd->add_flag("--tree", opts->tree,
                "TF2 checkpoints: print the object tree (with --json: its nodes, "
                "children, attributes and slot variables)");
  cmd->callback([opts, action] { *action = [opts] { return RunLs(*opts); }; });
}

}  // namespace tfckpt::cli
