#include "fuzz/fuzz_util.h"

#include <cstdlib>
#include <iostream>
#include <vector>

namespace tfckpt::fuzzing {
namespace {

void Exercise(const BundleReader& reader, const BundleEntryInfo& info) {
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
  // Allocated only now: the successful read bounded the size.
  auto into = Tensor::Allocate(info.dtype, info.shape);
  if (!into.ok()) return;
  if (!reader.ReadTensorInto(info.name, &*into).ok()) {
    Fail("ReadTensorInto failed where ReadTensor succeeded for '" + info.name + "'");
  }
  if (!into->IdenticalTo(*tensor)) Fail("ReadTensorInto and ReadTensor disagree");
}

}  // namespace

void Fail(std::string_view what) {
  std::cerr << "fuzz property violated: " << what << "\n";
  std::abort();
}

void ExerciseBundle(const BundleReader& reader, bool verify) {
  (void)reader.Contains("");
  (void)reader.GetEntryInfo("w1");
  auto entries = reader.ListEntries();
  if (entries.ok()) {
    for (const BundleEntryInfo& info : *entries) Exercise(reader, info);
  }
  if (verify) (void)reader.Verify();
}

}  // namespace tfckpt::fuzzing
