// Index keys and values of a tensor bundle.
#ifndef TFCKPT_SRC_BUNDLE_ENTRY_CODEC_H_
#define TFCKPT_SRC_BUNDLE_ENTRY_CODEC_H_

#include <string>
#include <string_view>

#include "tensorflow/core/protobuf/tensor_bundle.pb.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/status.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt::internal {

// The header lives under the empty key, which sorts first.
inline constexpr std::string_view kHeaderEntryKey = "";

// Bundle format version written and accepted.
inline constexpr int kBundleVersion = 1;
inline constexpr int kBundleMinProducer = 0;

// Index key of one slice of tensor `name`: OrderedCode of 0, the name, the
// rank, then each extent's start and length (-1 for full). Starts with 0x00.
std::string EncodeTensorNameSlice(std::string_view name,
                                  const TensorSlice& slice);
// INVALID_ARGUMENT when `key` is not such an encoding.
Status DecodeTensorNameSlice(std::string_view key, std::string* name,
                             TensorSlice* slice);

// Slice data keys are binary: shows them as "name (slice 0,5:-)", any other
// key as it is.
std::string DisplayName(std::string_view key);

// Parses the header value and checks its version. DATA_LOSS or
// INVALID_ARGUMENT (naming `file`) when it is unusable.
Status ParseHeader(std::string_view value, const std::string& file,
                   tensorflow::BundleHeaderProto* header);

// Parses an entry value and checks its dtype and that shard, offset and size
// are non-negative and do not overflow; EntryInfo() checks shape and slices.
Status ParseEntry(std::string_view key, std::string_view value,
                  const std::string& file, tensorflow::BundleEntryProto* entry);

// The public summary of a parsed entry.
StatusOr<BundleEntryInfo> EntryInfo(std::string_view name,
                                    const tensorflow::BundleEntryProto& entry);
// As EntryInfo() but into `info`, leaving info->name alone (bulk reads skip
// copying every name); `name` only labels errors.
Status FillEntryInfo(std::string_view name, const tensorflow::BundleEntryProto& entry,
                     BundleEntryInfo* info);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BUNDLE_ENTRY_CODEC_H_
