#include "tfckpt/dtype.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

namespace tfckpt {
namespace {

struct DataTypeInfo {
  std::string_view python_name;
  std::string_view enum_name;
  size_t size;  // 0 for types without a fixed element size
};

// Indexed by enum value 0..33.
constexpr std::array<DataTypeInfo, 34> kInfo = {{
    {"invalid", "DT_INVALID", 0},
    {"float32", "DT_FLOAT", 4},
    {"float64", "DT_DOUBLE", 8},
    {"int32", "DT_INT32", 4},
    {"uint8", "DT_UINT8", 1},
    {"int16", "DT_INT16", 2},
    {"int8", "DT_INT8", 1},
    {"string", "DT_STRING", 0},
    {"complex64", "DT_COMPLEX64", 8},
    {"int64", "DT_INT64", 8},
    {"bool", "DT_BOOL", 1},
    {"qint8", "DT_QINT8", 1},
    {"quint8", "DT_QUINT8", 1},
    {"qint32", "DT_QINT32", 4},
    {"bfloat16", "DT_BFLOAT16", 2},
    {"qint16", "DT_QINT16", 2},
    {"quint16", "DT_QUINT16", 2},
    {"uint16", "DT_UINT16", 2},
    {"complex128", "DT_COMPLEX128", 16},
    {"float16", "DT_HALF", 2},
    {"resource", "DT_RESOURCE", 0},
    {"variant", "DT_VARIANT", 0},
    {"uint32", "DT_UINT32", 4},
    {"uint64", "DT_UINT64", 8},
    {"float8_e5m2", "DT_FLOAT8_E5M2", 1},
    {"float8_e4m3fn", "DT_FLOAT8_E4M3FN", 1},
    {"float8_e4m3fnuz", "DT_FLOAT8_E4M3FNUZ", 1},
    {"float8_e4m3b11fnuz", "DT_FLOAT8_E4M3B11FNUZ", 1},
    {"float8_e5m2fnuz", "DT_FLOAT8_E5M2FNUZ", 1},
    {"int4", "DT_INT4", 1},
    {"uint4", "DT_UINT4", 1},
    {"int2", "DT_INT2", 1},
    {"uint2", "DT_UINT2", 1},
    {"float4_e2m1fn", "DT_FLOAT4_E2M1FN", 1},
}};

const DataTypeInfo& Info(DataType dtype) {
  const int value = static_cast<int>(dtype);
  return IsValidDataType(value) ? kInfo[static_cast<size_t>(value)] : kInfo[0];
}

}  // namespace

bool IsValidDataType(int value) {
  return value > 0 && value < static_cast<int>(kInfo.size());
}

std::string_view DataTypeName(DataType dtype) { return Info(dtype).python_name; }

StatusOr<DataType> DataTypeFromName(std::string_view name) {
  // Common aliases TensorFlow's Python API accepts.
  if (name == "half") return DataType::kHalf;
  if (name == "float") return DataType::kFloat;
  if (name == "double") return DataType::kDouble;
  for (size_t i = 1; i < kInfo.size(); ++i) {
    if (kInfo[i].python_name == name || kInfo[i].enum_name == name) {
      return static_cast<DataType>(i);
    }
  }
  return InvalidArgumentError("unknown dtype name '" + std::string(name) + "'");
}

size_t DataTypeSize(DataType dtype) { return Info(dtype).size; }

bool DataTypeIsMemcpyable(DataType dtype) { return DataTypeSize(dtype) > 0; }

float HalfToFloat(Half h) {
  const uint32_t sign = static_cast<uint32_t>(h.bits & 0x8000u) << 16;
  const uint32_t exponent = (h.bits >> 10) & 0x1fu;
  uint32_t mantissa = h.bits & 0x3ffu;
  uint32_t bits = 0;
  if (exponent == 0x1f) {  // inf or nan: keep the payload
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {  // subnormal: normalize
    uint32_t e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  } else {
    bits = sign;
  }
  return std::bit_cast<float>(bits);
}

Half FloatToHalf(float f) {
  const auto bits = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or nan
    const uint16_t payload = abs > 0x7f800000u ? 0x200u : 0;
    return Half{static_cast<uint16_t>(sign | 0x7c00u | payload)};
  }
  if (abs >= 0x477ff000u) return Half{static_cast<uint16_t>(sign | 0x7c00u)};
  if (abs < 0x38800000u) {  // result is subnormal or zero
    const float magnitude = std::bit_cast<float>(abs);
    // Adding 0.5 aligns the half subnormal step with the float ulp, so the
    // FPU's round-to-nearest-even does the rounding.
    const uint32_t rounded = std::bit_cast<uint32_t>(magnitude + 0.5f) - 0x3f000000u;
    return Half{static_cast<uint16_t>(sign | rounded)};
  }
  const uint32_t odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xc8000fffu + odd;  // rebias and round to even
  return Half{static_cast<uint16_t>(sign | (rounded >> 13))};
}

float BFloat16ToFloat(BFloat16 b) {
  return std::bit_cast<float>(static_cast<uint32_t>(b.bits) << 16);
}

BFloat16 FloatToBFloat16(float f) {
  const auto bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return BFloat16{static_cast<uint16_t>((bits >> 16) | 0x40u)};  // quiet nan
  }
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return BFloat16{static_cast<uint16_t>((bits + rounding) >> 16)};
}

}  // namespace tfckpt
