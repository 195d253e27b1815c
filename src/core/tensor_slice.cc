#include "tfckpt/tensor_slice.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace tfckpt {
namespace {

bool ParseInt64(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

TensorSlice TensorSlice::Full(int rank) {
  return TensorSlice(std::vector<Extent>(static_cast<size_t>(rank)));
}

StatusOr<TensorSlice> TensorSlice::Create(std::vector<Extent> extents) {
  if (extents.size() > static_cast<size_t>(TensorShape::kMaxRank)) {
    return InvalidArgumentError("slice has too many dimensions: " +
                                std::to_string(extents.size()));
  }
  for (const Extent& e : extents) {
    const bool full = e.length == kFullLength && e.start == 0;
    if (!full && (e.start < 0 || e.length < 0 ||
                  e.length > std::numeric_limits<int64_t>::max() - e.start)) {
      return InvalidArgumentError("invalid slice extent start=" +
                                  std::to_string(e.start) +
                                  " length=" + std::to_string(e.length));
    }
  }
  return TensorSlice(std::move(extents));
}

StatusOr<TensorSlice> TensorSlice::Parse(std::string_view spec) {
  std::vector<Extent> extents;
  if (!spec.empty()) {
    for (const std::string_view part : Split(spec, ':')) {
      if (part == "-") {
        extents.push_back(Extent{});
        continue;
      }
      const std::vector<std::string_view> pair = Split(part, ',');
      Extent e;
      if (pair.size() != 2 || !ParseInt64(pair[0], &e.start) ||
          !ParseInt64(pair[1], &e.length)) {
        return InvalidArgumentError("invalid tensor slice spec '" +
                                    std::string(spec) + "'");
      }
      extents.push_back(e);
    }
  }
  auto slice = Create(std::move(extents));
  if (!slice.ok()) {
    return slice.status().WithContext("tensor slice spec '" + std::string(spec) + "'");
  }
  return slice;
}

bool TensorSlice::IsFull() const {
  return std::all_of(extents_.begin(), extents_.end(),
                     [](const Extent& e) { return e.length == kFullLength; });
}

bool TensorSlice::Covers(const TensorShape& shape) const {
  if (rank() != shape.rank()) return false;
  for (int d = 0; d < rank(); ++d) {
    if (!IsFullAt(d) && (extent(d).start != 0 || extent(d).length != shape.dim(d))) {
      return false;
    }
  }
  return true;
}

StatusOr<TensorShape> TensorSlice::SliceShape(const TensorShape& full_shape) const {
  if (rank() != full_shape.rank()) {
    return InvalidArgumentError("slice " + DebugString() + " has rank " +
                                std::to_string(rank()) + " but the tensor " +
                                full_shape.DebugString() + " has rank " +
                                std::to_string(full_shape.rank()));
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < rank(); ++d) {
    if (IsFullAt(d)) {
      dims.push_back(full_shape.dim(d));
      continue;
    }
    const Extent& e = extent(d);
    if (e.start + e.length > full_shape.dim(d)) {
      return InvalidArgumentError("slice " + DebugString() + " leaves tensor " +
                                  full_shape.DebugString() + " in dimension " +
                                  std::to_string(d));
    }
    dims.push_back(e.length);
  }
  return TensorShape::Create(dims);
}

std::optional<TensorSlice> TensorSlice::Intersect(const TensorSlice& other) const {
  std::vector<Extent> result;
  for (int d = 0; d < rank(); ++d) {
    if (IsFullAt(d)) {
      result.push_back(other.extent(d));
      continue;
    }
    if (other.IsFullAt(d)) {
      result.push_back(extent(d));
      continue;
    }
    const int64_t start = std::max(extent(d).start, other.extent(d).start);
    const int64_t end = std::min(extent(d).start + extent(d).length,
                                 other.extent(d).start + other.extent(d).length);
    if (end <= start) return std::nullopt;
    result.push_back(Extent{start, end - start});
  }
  return TensorSlice(std::move(result));
}

std::string TensorSlice::DebugString() const {
  std::string out;
  for (int d = 0; d < rank(); ++d) {
    if (d > 0) out += ":";
    if (IsFullAt(d)) {
      out += "-";
    } else {
      out += std::to_string(extent(d).start) + "," + std::to_string(extent(d).length);
    }
  }
  return out;
}

StatusOr<std::optional<ShapeAndSlice>> ParseShapeAndSlice(std::string_view spec) {
  if (spec.empty()) return std::optional<ShapeAndSlice>();
  const std::vector<std::string_view> parts = Split(spec, ' ');
  std::vector<int64_t> dims;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int64_t dim = 0;
    if (!ParseInt64(parts[i], &dim)) {
      return InvalidArgumentError("invalid shape in slice spec '" +
                                  std::string(spec) + "'");
    }
    dims.push_back(dim);
  }
  auto shape = TensorShape::Create(dims);
  if (!shape.ok()) return shape.status().WithContext("slice spec '" + std::string(spec) + "'");
  TFCKPT_ASSIGN_OR_RETURN(TensorSlice slice, TensorSlice::Parse(parts.back()));
  auto slice_shape = slice.SliceShape(*shape);
  if (!slice_shape.ok()) {
    return slice_shape.status().WithContext("slice spec '" + std::string(spec) + "'");
  }
  return std::optional<ShapeAndSlice>(ShapeAndSlice{*std::move(shape), std::move(slice)});
}

}  // namespace tfckpt
