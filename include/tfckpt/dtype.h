// DataType: TensorFlow's element types, with TF's enum numbers (types.proto),
// Python names ("float32", "bfloat16", ...) and element sizes.
//
// Thread safety: all functions are pure.
#ifndef TFCKPT_DTYPE_H_
#define TFCKPT_DTYPE_H_

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tfckpt/statusor.h"

namespace tfckpt {

enum class DataType : int {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQInt8 = 11,
  kQUInt8 = 12,
  kQInt32 = 13,
  kBFloat16 = 14,
  kQInt16 = 15,
  kQUInt16 = 16,
  kUInt16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
  kFloat8E5M2 = 24,
  kFloat8E4M3FN = 25,
  kFloat8E4M3FNUZ = 26,
  kFloat8E4M3B11FNUZ = 27,
  kFloat8E5M2FNUZ = 28,
  kInt4 = 29,
  kUInt4 = 30,
  kInt2 = 31,
  kUInt2 = 32,
  kFloat4E2M1FN = 33,
};

// True for 1..33, the values a checkpoint entry may carry (reference types,
// value + 100, exist only in graphs).
bool IsValidDataType(int value);

// TF's Python name: "float32", "float16", "bfloat16", "string", "bool", ...
// "invalid" for values that are not valid.
std::string_view DataTypeName(DataType dtype);

// Parses a Python name ("float32") or a TF enum name ("DT_FLOAT").
// INVALID_ARGUMENT for anything else.
StatusOr<DataType> DataTypeFromName(std::string_view name);

// Bytes per element for fixed-size types; 0 for string, variant, resource
// and invalid.
size_t DataTypeSize(DataType dtype);

// True when a tensor of this type is stored as its raw element bytes.
bool DataTypeIsMemcpyable(DataType dtype);

// IEEE binary16 and bfloat16, kept as bit patterns.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
float HalfToFloat(Half h);
Half FloatToHalf(float f);  // round to nearest even
float BFloat16ToFloat(BFloat16 b);
BFloat16 FloatToBFloat16(float f);  // round to nearest even, NaN stays NaN

// The DataType that matches a C++ element type, for typed accessors.
template <typename T>
constexpr DataType DataTypeOf();
template <> constexpr DataType DataTypeOf<float>() { return DataType::kFloat; }
template <> constexpr DataType DataTypeOf<double>() { return DataType::kDouble; }
template <> constexpr DataType DataTypeOf<int32_t>() { return DataType::kInt32; }
template <> constexpr DataType DataTypeOf<uint8_t>() { return DataType::kUInt8; }
template <> constexpr DataType DataTypeOf<int16_t>() { return DataType::kInt16; }
template <> constexpr DataType DataTypeOf<int8_t>() { return DataType::kInt8; }
template <> constexpr DataType DataTypeOf<std::complex<float>>() { return DataType::kComplex64; }
template <> constexpr DataType DataTypeOf<int64_t>() { return DataType::kInt64; }
template <> constexpr DataType DataTypeOf<bool>() { return DataType::kBool; }
template <> constexpr DataType DataTypeOf<BFloat16>() { return DataType::kBFloat16; }
template <> constexpr DataType DataTypeOf<uint16_t>() { return DataType::kUInt16; }
template <> constexpr DataType DataTypeOf<std::complex<double>>() { return DataType::kComplex128; }
template <> constexpr DataType DataTypeOf<Half>() { return DataType::kHalf; }
template <> constexpr DataType DataTypeOf<uint32_t>() { return DataType::kUInt32; }
template <> constexpr DataType DataTypeOf<uint64_t>() { return DataType::kUInt64; }

}  // namespace tfckpt

#endif  // TFCKPT_DTYPE_H_
