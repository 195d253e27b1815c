// tfckpt cp SRC DST: rewrites a checkpoint through the reader and writer.
//
// Tensors are added in the order their bytes sit in SRC's data files, so a
// single-shard checkpoint written by TensorFlow comes out byte-identical.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_slice.h"
#include "tools/tfckpt/cli.h"
#include "tools/tfckpt/progress.h"

namespace tfckpt::cli {
namespace {

struct CpOptions {
  std::string src;
  std::string dst;
};

// One stored run of bytes: a whole tensor, or one slice of a partitioned one.
struct StoredItem {
  int32_t shard_id;
  int64_t offset;
  int64_t size;
  const BundleEntryInfo* entry;
  std::optional<TensorSlice> slice;
};

StatusOr<std::vector<StoredItem>> ItemsInDataOrder(
    const CheckpointReader& reader, const std::vector<BundleEntryInfo>& entries) {
  std::vector<StoredItem> items;
  for (const BundleEntryInfo& entry : entries) {
    if (!entry.partitioned()) {
      items.push_back({entry.shard_id, entry.offset, entry.size, &entry, std::nullopt});
      continue;
    }
    for (const TensorSlice& slice : entry.slices) {
      TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo stored,
                              reader.GetSliceEntryInfo(entry.name, slice));
      items.push_back({stored.shard_id, stored.offset, stored.size, &entry, slice});
    }
  }
  // Stable: empty tensors at one offset keep their key order (any order
  // among them gives the same bytes).
  std::stable_sort(
      items.begin(), items.end(), [](const StoredItem& a, const StoredItem& b) {
        // An empty tensor shares its offset with whatever was added after
        // it, so at equal offsets the empty one came first.
        const bool a_empty = a.size == 0, b_empty = b.size == 0;
        return std::tie(a.shard_id, a.offset, b_empty) < std::tie(b.shard_id, b.offset, a_empty);
      });
  return items;
}

Status Copy(const CpOptions& opts) {
  TFCKPT_ASSIGN_OR_RETURN(auto reader, OpenCheckpoint(opts.src));
  TFCKPT_ASSIGN_OR_RETURN(std::vector<BundleEntryInfo> entries,
                          reader->ListEntries());
  TFCKPT_ASSIGN_OR_RETURN(std::vector<StoredItem> items,
                          ItemsInDataOrder(*reader, entries));
  TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(opts.dst));
  uint64_t total_bytes = 0;
  for (const StoredItem& item : items) total_bytes += static_cast<uint64_t>(item.size);
  Progress progress("cp", total_bytes);
  for (const StoredItem& item : items) {
    const BundleEntryInfo& entry = *item.entry;
    if (item.slice.has_value()) {
      TFCKPT_ASSIGN_OR_RETURN(Tensor t,
                              reader->ReadSlice(entry.name, *item.slice));
      TFCKPT_RETURN_IF_ERROR(
          writer->AddSlice(entry.name, entry.shape, *item.slice, t));
    } else {
      TFCKPT_ASSIGN_OR_RETURN(Tensor t, reader->ReadTensor(entry.name));
      TFCKPT_RETURN_IF_ERROR(writer->Add(entry.name, t));
    }
    progress.Add(static_cast<uint64_t>(item.size));
  }
  return writer->Finish();
}

int RunCp(const CpOptions& opts) {
  const Status status = Copy(opts);
  return status.ok() ? kExitOk : Fail(status);
}

}  // namespace

void AddCpCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<CpOptions>();
  CLI::App* cmd = app.add_subcommand(
      "cp",
      "Rewrite a checkpoint through the reader and writer (one data shard, "
      "tensors in SRC's data-file order)");
  cmd->add_option("SRC", opts->src, kCheckpointArgHelp)->required();
  cmd->add_option("DST", opts->dst,
                  "Destination prefix (DST.index and "
                  "DST.data-00000-of-00001 are replaced)")
      ->required();
  cmd->callback([opts, action] { *action = [opts] { return RunCp(*opts); }; });
}

}  // namespace tfckpt::cli
