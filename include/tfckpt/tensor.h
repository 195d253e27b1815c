// Tensor: a dtype, a shape and the elements.
//
// Fixed-size types keep their elements in one 64-byte aligned buffer, either
// owned or borrowed (a view of memory kept alive by an owner handle, such as
// a mapped file region). DT_STRING tensors keep a vector of byte strings.
// Copying a Tensor is cheap and shares the elements, as in TensorFlow.
//
//   TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat, {2, 5}));
//   std::span<float> v = t.mutable_flat<float>();
//
// Thread safety: distinct Tensor objects may be used from different threads;
// writers to shared elements need outside synchronization.
#ifndef TFCKPT_TENSOR_H_
#define TFCKPT_TENSOR_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/dtype.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor_shape.h"

namespace tfckpt {

class Tensor {
 public:
  // Alignment of every owned buffer.
  static constexpr size_t kAlignment = 64;

  // An empty tensor of type kInvalid; only useful as a placeholder.
  Tensor() = default;

  // A tensor whose elements are uninitialized (fixed-size types) or empty
  // strings (DT_STRING). INVALID_ARGUMENT for resource/variant/invalid types,
  // RESOURCE_EXHAUSTED when the bytes cannot be allocated.
  static StatusOr<Tensor> Allocate(DataType dtype, const TensorShape& shape);
  // As Allocate, with every byte zero.
  static StatusOr<Tensor> Zeros(DataType dtype, const TensorShape& shape);
  // Copies `bytes`, which must hold exactly the tensor's raw elements.
  static StatusOr<Tensor> FromBytes(DataType dtype, const TensorShape& shape,
                                    std::string_view bytes);
  // A DT_STRING tensor; values.size() must equal shape.num_elements().
  static StatusOr<Tensor> FromStrings(const TensorShape& shape,
                                      std::vector<std::string> values);
  // Borrows `size` bytes at `data`, kept alive by `owner`. The view is
  // read-only: mutable_data() returns nullptr.
  static StatusOr<Tensor> View(DataType dtype, const TensorShape& shape,
                               const void* data, size_t size,
                               std::shared_ptr<const void> owner);
  // Borrows `size` writable bytes at `data`, which must be aligned to
  // kAlignment, kept alive by `owner`: used like an allocated tensor, but
  // the memory is freed only when every user of `owner` is gone (the bundle
  // reader carves many small tensors out of one block this way).
  static StatusOr<Tensor> MutableView(DataType dtype, const TensorShape& shape,
                                      void* data, size_t size,
                                      std::shared_ptr<void> owner);
  // Typed convenience: copies `values` into a new tensor.
  template <typename T>
  static StatusOr<Tensor> FromValues(const TensorShape& shape,
                                     std::span<const T> values) {
    return FromBytes(DataTypeOf<T>(), shape,
                     std::string_view(reinterpret_cast<const char*>(values.data()),
                                      values.size_bytes()));
  }
  // A rank-0 tensor holding `value` (a feed such as {"w1:0", Scalar(4.0f)}).
  // Only an out-of-memory failure can leave it empty (kInvalid).
  template <typename T>
  static Tensor Scalar(T value) {
    StatusOr<Tensor> tensor = FromValues(TensorShape(), std::span<const T>(&value, 1));
    return tensor.ok() ? *std::move(tensor) : Tensor();
  }

  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int64_t num_elements() const { return shape_.num_elements(); }

  // Raw element bytes (fixed-size types); empty for DT_STRING.
  size_t byte_size() const { return byte_size_; }
  const void* data() const { return data_; }
  // nullptr for views and DT_STRING.
  void* mutable_data() { return read_only_ ? nullptr : data_; }
  std::string_view bytes() const {
    return {static_cast<const char*>(data_), byte_size_};
  }

  // Typed element access. REQUIRES: sizeof(T) matches the element size.
  template <typename T>
  std::span<const T> flat() const {
    assert(sizeof(T) == DataTypeSize(dtype_));
    return {static_cast<const T*>(data_), static_cast<size_t>(num_elements())};
  }
  template <typename T>
  std::span<T> mutable_flat() {
    assert(sizeof(T) == DataTypeSize(dtype_) && !read_only_);
    return {static_cast<T*>(data_), static_cast<size_t>(num_elements())};
  }

  // DT_STRING elements. REQUIRES: dtype() == DataType::kString.
  const std::vector<std::string>& strings() const { return *strings_; }
  std::vector<std::string>& mutable_strings() { return *strings_; }

  // True when dtype, shape and every element byte are equal.
  bool IdenticalTo(const Tensor& other) const;

  // "float32 [2,5]".
  std::string DebugString() const;

 private:
  DataType dtype_ = DataType::kInvalid;
  TensorShape shape_;
  std::shared_ptr<const void> owner_;  // keeps data_ alive
  void* data_ = nullptr;
  size_t byte_size_ = 0;
  bool read_only_ = false;
  std::shared_ptr<std::vector<std::string>> strings_;
};

// Bytes that `shape` elements of `dtype` occupy. RESOURCE_EXHAUSTED when
// that overflows int64; INVALID_ARGUMENT for types without a fixed size.
StatusOr<size_t> TensorByteSize(DataType dtype, const TensorShape& shape);

}  // namespace tfckpt

#endif  // TFCKPT_TENSOR_H_
