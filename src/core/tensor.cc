#include "tfckpt/tensor.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace tfckpt {
namespace {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

StatusOr<std::shared_ptr<void>> AllocateAligned(size_t size) {
  // aligned_alloc wants a multiple of the alignment; never ask for 0 bytes.
  const size_t rounded =
      (size + Tensor::kAlignment - 1) / Tensor::kAlignment * Tensor::kAlignment;
  void* p = std::aligned_alloc(Tensor::kAlignment,
                               rounded == 0 ? Tensor::kAlignment : rounded);
  if (p == nullptr) {
    return ResourceExhaustedError("cannot allocate " + std::to_string(size) +
                                  " bytes for a tensor");
  }
  return std::shared_ptr<void>(p, AlignedFree());
}

// The checks shared by View() and MutableView().
Status CheckViewSize(DataType dtype, const TensorShape& shape, size_t size) {
  TFCKPT_ASSIGN_OR_RETURN(const size_t expected, TensorByteSize(dtype, shape));
  if (size != expected) {
    return InvalidArgumentError("view of " + std::to_string(size) +
                                " bytes for a tensor that needs " +
                                std::to_string(expected));
  }
  return OkStatus();
}

}  // namespace

StatusOr<size_t> TensorByteSize(DataType dtype, const TensorShape& shape) {
  const size_t element_size = DataTypeSize(dtype);
  if (element_size == 0) {
    return InvalidArgumentError("dtype " + std::string(DataTypeName(dtype)) +
                                " has no fixed element size");
  }
  const auto count = static_cast<uint64_t>(shape.num_elements());
  if (count > std::numeric_limits<int64_t>::max() / element_size) {
    return ResourceExhaustedError("tensor of shape " + shape.DebugString() +
                                  " and dtype " + std::string(DataTypeName(dtype)) +
                                  " is larger than 2^63 bytes");
  }
  return static_cast<size_t>(count * element_size);
}

StatusOr<Tensor> Tensor::Allocate(DataType dtype, const TensorShape& shape) {
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = shape;
  if (dtype == DataType::kString) {
    const auto count = static_cast<uint64_t>(shape.num_elements());
    if (count > std::numeric_limits<uint32_t>::max()) {
      return ResourceExhaustedError("string tensor of shape " +
                                    shape.DebugString() + " is too large");
    }
    try {
      tensor.strings_ = std::make_shared<std::vector<std::string>>(count);
    } catch (const std::bad_alloc&) {
      return ResourceExhaustedError("cannot allocate a string tensor of shape " +
                                    shape.DebugString());
    }
    return tensor;
  }
  TFCKPT_ASSIGN_OR_RETURN(tensor.byte_size_, TensorByteSize(dtype, shape));
  TFCKPT_ASSIGN_OR_RETURN(std::shared_ptr<void> buffer,
                          AllocateAligned(tensor.byte_size_));
  tensor.data_ = buffer.get();
  tensor.owner_ = std::move(buffer);
  return tensor;
}

StatusOr<Tensor> Tensor::Zeros(DataType dtype, const TensorShape& shape) {
  TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Allocate(dtype, shape));
  if (tensor.byte_size_ > 0) std::memset(tensor.data_, 0, tensor.byte_size_);
  return tensor;
}

StatusOr<Tensor> Tensor::FromBytes(DataType dtype, const TensorShape& shape,
                                   std::string_view bytes) {
  TFCKPT_ASSIGN_OR_RETURN(const size_t expected, TensorByteSize(dtype, shape));
  if (bytes.size() != expected) {
    return InvalidArgumentError(
        std::to_string(bytes.size()) + " bytes given for a " +
        std::string(DataTypeName(dtype)) + " tensor of shape " +
        shape.DebugString() + ", which needs " + std::to_string(expected));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Allocate(dtype, shape));
  if (!bytes.empty()) std::memcpy(tensor.data_, bytes.data(), bytes.size());
  return tensor;
}

StatusOr<Tensor> Tensor::FromStrings(const TensorShape& shape,
                                     std::vector<std::string> values) {
  if (static_cast<uint64_t>(shape.num_elements()) != values.size()) {
    return InvalidArgumentError(std::to_string(values.size()) +
                                " strings given for shape " + shape.DebugString());
  }
  Tensor tensor;
  tensor.dtype_ = DataType::kString;
  tensor.shape_ = shape;
  tensor.strings_ = std::make_shared<std::vector<std::string>>(std::move(values));
  return tensor;
}

StatusOr<Tensor> Tensor::View(DataType dtype, const TensorShape& shape,
                              const void* data, size_t size,
                              std::shared_ptr<const void> owner) {
  TFCKPT_RETURN_IF_ERROR(CheckViewSize(dtype, shape, size));
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = shape;
  tensor.byte_size_ = size;
  tensor.data_ = const_cast<void*>(data);  // never written: read_only_
  tensor.read_only_ = true;
  tensor.owner_ = std::move(owner);
  return tensor;
}

StatusOr<Tensor> Tensor::MutableView(DataType dtype, const TensorShape& shape,
                                     void* data, size_t size,
                                     std::shared_ptr<void> owner) {
  TFCKPT_RETURN_IF_ERROR(CheckViewSize(dtype, shape, size));
  if (reinterpret_cast<uintptr_t>(data) % kAlignment != 0) {
    return InvalidArgumentError("mutable view at an address not aligned to " +
                                std::to_string(kAlignment) + " bytes");
  }
  Tensor tensor;
  tensor.dtype_ = dtype;
  tensor.shape_ = shape;
  tensor.byte_size_ = size;
  tensor.data_ = data;
  tensor.owner_ = std::move(owner);
  return tensor;
}

bool Tensor::IdenticalTo(const Tensor& other) const {
  if (dtype_ != other.dtype_ || !(shape_ == other.shape_)) return false;
  if (dtype_ == DataType::kString) return *strings_ == *other.strings_;
  return byte_size_ == other.byte_size_ &&
         (byte_size_ == 0 || std::memcmp(data_, other.data_, byte_size_) == 0);
}

std::string Tensor::DebugString() const {
  return std::string(DataTypeName(dtype_)) + " " + shape_.DebugString();
}

}  // namespace tfckpt
