// Shared pieces of the fuzz targets.
#ifndef TFCKPT_FUZZ_FUZZ_UTIL_H_
#define TFCKPT_FUZZ_FUZZ_UTIL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_reader.h"

namespace tfckpt::fuzzing {

// A violated property: prints `what` and aborts, which libFuzzer and the
// replay driver both report as a crash.
[[noreturn]] void Fail(std::string_view what);

// Reads the tensor `info` lists every way `reader` (a BundleReader or a
// CheckpointReader) offers: whole, into a buffer, stored slices, a
// sub-slice. Errors are expected; what is checked is that a read that
// succeeds returns what the listing promised.
template <typename Reader>
void ExerciseEntry(const Reader& reader, const BundleEntryInfo& info) {
  if (!reader.Contains(info.name)) Fail("listed tensor '" + info.name + "' is not contained");
  for (const TensorSlice& slice : info.slices) {
    (void)reader.GetSliceEntryInfo(info.name, slice);
    (void)reader.ReadSlice(info.name, slice);
  }
  // A strict sub-region along the first dimension.
  if (info.shape.rank() > 0 && info.shape.dim(0) >= 2) {
    std::vector<TensorSlice::Extent> extents(static_cast<size_t>(info.shape.rank()));
    extents[0] = {1, info.shape.dim(0) - 1};
    if (auto slice = TensorSlice::Create(std::move(extents)); slice.ok()) {
      auto part = reader.ReadSlice(info.name, *slice);
      if (part.ok() && part->dtype() != info.dtype) Fail("slice read with the wrong dtype");
    }
  }
  auto tensor = reader.ReadTensor(info.name);
  if (!tensor.ok()) return;
  if (tensor->dtype() != info.dtype || !(tensor->shape() == info.shape)) {
    Fail("tensor '" + info.name + "' read as " + tensor->DebugString() +
         " but listed with shape " + info.shape.DebugString());
  }
  if constexpr (requires(Tensor* out) { reader.ReadTensorInto(info.name, out); }) {
    // Allocated only now: the successful read bounded the size.
    auto into = Tensor::Allocate(info.dtype, info.shape);
    if (!into.ok()) return;
    if (!reader.ReadTensorInto(info.name, &*into).ok()) {
      Fail("ReadTensorInto failed where ReadTensor succeeded for '" + info.name + "'");
    }
    if (!into->IdenticalTo(*tensor)) Fail("ReadTensorInto and ReadTensor disagree");
  }
}

// Lists every tensor of `reader` and exercises each (ExerciseEntry), then
// runs Verify() when `verify`.
template <typename Reader>
void ExerciseReader(const Reader& reader, bool verify) {
  (void)reader.Contains("");
  (void)reader.GetEntryInfo("w1");
  auto entries = reader.ListEntries();
  if (entries.ok()) {
    for (const BundleEntryInfo& info : *entries) ExerciseEntry(reader, info);
  }
  if (verify) (void)reader.Verify();
}

inline void ExerciseBundle(const BundleReader& reader, bool verify) {
  ExerciseReader(reader, verify);
}

}  // namespace tfckpt::fuzzing

#endif  // TFCKPT_FUZZ_FUZZ_UTIL_H_
