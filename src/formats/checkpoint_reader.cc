#include "tfckpt/checkpoint_reader.h"

#include <utility>

#include "src/bundle/naming.h"
#include "src/formats/v1_reader.h"

namespace tfckpt {

std::string_view CheckpointFormatName(CheckpointFormat format) {
  return format == CheckpointFormat::kV1 ? "V1" : "V2";
}

// Exactly one of the two readers is set.
struct CheckpointReader::Rep {
  std::string prefix;
  std::unique_ptr<BundleReader> v2;
  std::unique_ptr<internal::V1Reader> v1;
};

CheckpointReader::CheckpointReader(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
CheckpointReader::~CheckpointReader() = default;

StatusOr<std::unique_ptr<CheckpointReader>> CheckpointReader::Open(
    std::string prefix_or_pattern, CheckpointReaderOptions options) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  auto rep = std::make_unique<Rep>();
  rep->prefix = prefix_or_pattern;
  // As TensorFlow: the index file decides; anything else is tried as V1.
  if (fs->Exists(internal::MetaFilename(prefix_or_pattern)).ok()) {
    TFCKPT_ASSIGN_OR_RETURN(rep->v2, BundleReader::Open(std::move(prefix_or_pattern),
                                                        BundleReaderOptions{fs}));
  } else {
    auto v1 = internal::V1Reader::Open(prefix_or_pattern, fs);
    if (!v1.ok()) {
      if (v1.status().code() == StatusCode::kNotFound) {
        return NotFoundError("no checkpoint at " + prefix_or_pattern + ": neither " +
                             internal::MetaFilename(prefix_or_pattern) +
                             " (V2) nor V1 files matching it exist");
      }
      return v1.status();
    }
    rep->v1 = *std::move(v1);
  }
  return std::unique_ptr<CheckpointReader>(new CheckpointReader(std::move(rep)));
}

CheckpointFormat CheckpointReader::format() const {
  return rep_->v2 != nullptr ? CheckpointFormat::kV2 : CheckpointFormat::kV1;
}

const std::string& CheckpointReader::prefix() const { return rep_->prefix; }

const BundleReader* CheckpointReader::bundle() const { return rep_->v2.get(); }

StatusOr<std::vector<BundleEntryInfo>> CheckpointReader::ListEntries() const {
  return rep_->v2 != nullptr ? rep_->v2->ListEntries() : rep_->v1->ListEntries();
}

StatusOr<BundleEntryInfo> CheckpointReader::GetEntryInfo(std::string_view name) const {
  return rep_->v2 != nullptr ? rep_->v2->GetEntryInfo(name) : rep_->v1->GetEntryInfo(name);
}

bool CheckpointReader::Contains(std::string_view name) const {
  return GetEntryInfo(name).ok();
}

StatusOr<BundleEntryInfo> CheckpointReader::GetSliceEntryInfo(std::string_view name,
                                                              const TensorSlice& slice) const {
  return rep_->v2 != nullptr ? rep_->v2->GetSliceEntryInfo(name, slice)
                             : rep_->v1->GetSliceEntryInfo(name, slice);
}

StatusOr<Tensor> CheckpointReader::ReadTensor(std::string_view name) const {
  return rep_->v2 != nullptr ? rep_->v2->ReadTensor(name) : rep_->v1->ReadTensor(name);
}

StatusOr<Tensor> CheckpointReader::ReadSlice(std::string_view name,
                                             const TensorSlice& slice) const {
  return rep_->v2 != nullptr ? rep_->v2->ReadSlice(name, slice)
                             : rep_->v1->ReadSlice(name, slice);
}

std::vector<Status> CheckpointReader::Verify() const {
  return rep_->v2 != nullptr ? rep_->v2->Verify() : rep_->v1->Verify();
}

}  // namespace tfckpt
