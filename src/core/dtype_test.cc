#include "tfckpt/dtype.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::tfckpt::testing::StatusIs;

struct DtypeRow {
  int number;
  DataType dtype;
  const char* python_name;
  const char* enum_name;
  size_t size;
};

// types.proto numbers, tf.dtypes names and element sizes.
const std::vector<DtypeRow>& Rows() {
  static const std::vector<DtypeRow> rows = {
      {1, DataType::kFloat, "float32", "DT_FLOAT", 4},
      {2, DataType::kDouble, "float64", "DT_DOUBLE", 8},
      {3, DataType::kInt32, "int32", "DT_INT32", 4},
      {4, DataType::kUInt8, "uint8", "DT_UINT8", 1},
      {5, DataType::kInt16, "int16", "DT_INT16", 2},
      {6, DataType::kInt8, "int8", "DT_INT8", 1},
      {7, DataType::kString, "string", "DT_STRING", 0},
      {8, DataType::kComplex64, "complex64", "DT_COMPLEX64", 8},
      {9, DataType::kInt64, "int64", "DT_INT64", 8},
      {10, DataType::kBool, "bool", "DT_BOOL", 1},
      {11, DataType::kQInt8, "qint8", "DT_QINT8", 1},
      {12, DataType::kQUInt8, "quint8", "DT_QUINT8", 1},
      {13, DataType::kQInt32, "qint32", "DT_QINT32", 4},
      {14, DataType::kBFloat16, "bfloat16", "DT_BFLOAT16", 2},
      {15, DataType::kQInt16, "qint16", "DT_QINT16", 2},
      {16, DataType::kQUInt16, "quint16", "DT_QUINT16", 2},
      {17, DataType::kUInt16, "uint16", "DT_UINT16", 2},
      {18, DataType::kComplex128, "complex128", "DT_COMPLEX128", 16},
      {19, DataType::kHalf, "float16", "DT_HALF", 2},
      {20, DataType::kResource, "resource", "DT_RESOURCE", 0},
      {21, DataType::kVariant, "variant", "DT_VARIANT", 0},
      {22, DataType::kUInt32, "uint32", "DT_UINT32", 4},
      {23, DataType::kUInt64, "uint64", "DT_UINT64", 8},
      {24, DataType::kFloat8E5M2, "float8_e5m2", "DT_FLOAT8_E5M2", 1},
      {25, DataType::kFloat8E4M3FN, "float8_e4m3fn", "DT_FLOAT8_E4M3FN", 1},
      {26, DataType::kFloat8E4M3FNUZ, "float8_e4m3fnuz", "DT_FLOAT8_E4M3FNUZ", 1},
      {27, DataType::kFloat8E4M3B11FNUZ, "float8_e4m3b11fnuz", "DT_FLOAT8_E4M3B11FNUZ", 1},
      {28, DataType::kFloat8E5M2FNUZ, "float8_e5m2fnuz", "DT_FLOAT8_E5M2FNUZ", 1},
      {29, DataType::kInt4, "int4", "DT_INT4", 1},
      {30, DataType::kUInt4, "uint4", "DT_UINT4", 1},
      {31, DataType::kInt2, "int2", "DT_INT2", 1},
      {32, DataType::kUInt2, "uint2", "DT_UINT2", 1},
      {33, DataType::kFloat4E2M1FN, "float4_e2m1fn", "DT_FLOAT4_E2M1FN", 1},
  };
  return rows;
}

TEST(DataTypeTest, EveryTypeHasItsNumberNameAndSize) {
  ASSERT_EQ(Rows().size(), 33u);
  for (const DtypeRow& row : Rows()) {
    SCOPED_TRACE(row.python_name);
    EXPECT_EQ(static_cast<int>(row.dtype), row.number);
    EXPECT_TRUE(IsValidDataType(row.number));
    EXPECT_EQ(DataTypeName(row.dtype), row.python_name);
    EXPECT_EQ(DataTypeSize(row.dtype), row.size);
    const bool memcpyable = row.dtype != DataType::kString &&
                            row.dtype != DataType::kResource &&
                            row.dtype != DataType::kVariant;
    EXPECT_EQ(DataTypeIsMemcpyable(row.dtype), memcpyable);
  }
}

TEST(DataTypeTest, FromNameRoundTrips) {
  for (const DtypeRow& row : Rows()) {
    SCOPED_TRACE(row.python_name);
    StatusOr<DataType> by_python = DataTypeFromName(row.python_name);
    ASSERT_TRUE(by_python.ok()) << by_python.status();
    EXPECT_EQ(*by_python, row.dtype);
    StatusOr<DataType> by_enum = DataTypeFromName(row.enum_name);
    ASSERT_TRUE(by_enum.ok()) << by_enum.status();
    EXPECT_EQ(*by_enum, row.dtype);
    StatusOr<DataType> from_own_name = DataTypeFromName(DataTypeName(row.dtype));
    ASSERT_TRUE(from_own_name.ok());
    EXPECT_EQ(*from_own_name, row.dtype);
  }
}

TEST(DataTypeTest, FromNameRejectsUnknownNames) {
  for (const char* name : {"", "Float32", "float32 ", "DT_FLOAT_REF",
                           "invalid", "DT_INVALID", "half?", "int128"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(DataTypeFromName(name), StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST(DataTypeTest, InvalidValues) {
  for (int v : {0, -1, 34, 99, 101, 133, std::numeric_limits<int>::max()}) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(IsValidDataType(v));
    EXPECT_EQ(DataTypeName(static_cast<DataType>(v)), "invalid");
    EXPECT_EQ(DataTypeSize(static_cast<DataType>(v)), 0u);
    EXPECT_FALSE(DataTypeIsMemcpyable(static_cast<DataType>(v)));
  }
}

TEST(DataTypeTest, DataTypeOfMatchesSizes) {
  static_assert(DataTypeOf<float>() == DataType::kFloat);
  static_assert(DataTypeOf<Half>() == DataType::kHalf);
  static_assert(DataTypeOf<BFloat16>() == DataType::kBFloat16);
  static_assert(DataTypeOf<std::complex<double>>() == DataType::kComplex128);
  EXPECT_EQ(DataTypeSize(DataTypeOf<double>()), sizeof(double));
  EXPECT_EQ(DataTypeSize(DataTypeOf<int32_t>()), sizeof(int32_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<uint8_t>()), sizeof(uint8_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<int16_t>()), sizeof(int16_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<int8_t>()), sizeof(int8_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<std::complex<float>>()), sizeof(std::complex<float>));
  EXPECT_EQ(DataTypeSize(DataTypeOf<int64_t>()), sizeof(int64_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<bool>()), sizeof(bool));
  EXPECT_EQ(DataTypeSize(DataTypeOf<uint16_t>()), sizeof(uint16_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<uint32_t>()), sizeof(uint32_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<uint64_t>()), sizeof(uint64_t));
  EXPECT_EQ(DataTypeSize(DataTypeOf<Half>()), sizeof(Half));
  EXPECT_EQ(DataTypeSize(DataTypeOf<BFloat16>()), sizeof(BFloat16));
}

float FloatFromBits(uint32_t bits) { return std::bit_cast<float>(bits); }
uint32_t BitsOf(float f) { return std::bit_cast<uint32_t>(f); }

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(HalfToFloat(Half{0x0000}), 0.0f);
  EXPECT_TRUE(std::signbit(HalfToFloat(Half{0x8000})));
  EXPECT_EQ(HalfToFloat(Half{0x3c00}), 1.0f);
  EXPECT_EQ(HalfToFloat(Half{0xc000}), -2.0f);
  EXPECT_EQ(HalfToFloat(Half{0x3555}), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(Half{0x7bff}), 65504.0f);
  EXPECT_EQ(HalfToFloat(Half{0x0400}), std::ldexp(1.0f, -14));  // min normal
  EXPECT_EQ(HalfToFloat(Half{0x0001}), std::ldexp(1.0f, -24));  // min subnormal
  EXPECT_EQ(HalfToFloat(Half{0x03ff}), std::ldexp(1023.0f, -24));
  EXPECT_EQ(HalfToFloat(Half{0x7c00}), std::numeric_limits<float>::infinity());
  EXPECT_EQ(HalfToFloat(Half{0xfc00}), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(HalfToFloat(Half{0x7e00})));
  EXPECT_TRUE(std::isnan(HalfToFloat(Half{0x7c01})));
  EXPECT_TRUE(std::isnan(HalfToFloat(Half{0xfe00})));

  EXPECT_EQ(FloatToHalf(0.0f).bits, 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f).bits, 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f).bits, 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f).bits, 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f).bits, 0x7bff);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)).bits, 0x0001);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()).bits, 0x7c00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()).bits, 0xfc00);
}

TEST(HalfTest, RoundsToNearestEven) {
  // Halfway between 1 (0x3c00) and 1 + 2^-10 (0x3c01): the even one wins.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)).bits, 0x3c00);
  // Halfway between 0x3c01 and 0x3c02: 0x3c02.
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)).bits, 0x3c02);
  // Just above halfway rounds up.
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)).bits, 0x3c01);
  // Just below halfway rounds down.
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + 3 * std::ldexp(1.0f, -11), 0.0f)).bits, 0x3c01);
  // Overflow: 65519 stays finite, 65520 (halfway to 2^16) goes to infinity.
  EXPECT_EQ(FloatToHalf(65519.0f).bits, 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f).bits, 0x7c00);
  EXPECT_EQ(FloatToHalf(1e10f).bits, 0x7c00);
  EXPECT_EQ(FloatToHalf(-1e10f).bits, 0xfc00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::max()).bits, 0x7c00);
  // Subnormals: 2^-25 is halfway between 0 and the smallest subnormal.
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)).bits, 0x0000);
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -26)).bits, 0x0001);
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)).bits, 0x0002);  // 1.5 ulp -> even
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -30)).bits, 0x0000);
  EXPECT_EQ(FloatToHalf(-std::ldexp(1.0f, -30)).bits, 0x8000);
  // Largest subnormal rounding up into the smallest normal.
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -26)).bits, 0x0400);
}

TEST(HalfTest, NanStaysNan) {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0x7fffffffu}) {
    SCOPED_TRACE(bits);
    const Half h = FloatToHalf(FloatFromBits(bits));
    EXPECT_EQ(h.bits & 0x7c00, 0x7c00);
    EXPECT_NE(h.bits & 0x03ff, 0);
  }
}

TEST(HalfTest, EveryNonNanPatternRoundTrips) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const Half h{static_cast<uint16_t>(b)};
    const float f = HalfToFloat(h);
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToHalf(f).bits, h.bits) << "bits " << b;
  }
}

TEST(BFloat16Test, KnownValues) {
  EXPECT_EQ(BFloat16ToFloat(BFloat16{0x3f80}), 1.0f);
  EXPECT_EQ(BFloat16ToFloat(BFloat16{0xc000}), -2.0f);
  EXPECT_EQ(BFloat16ToFloat(BFloat16{0x7f80}), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(BFloat16ToFloat(BFloat16{0x7fc0})));
  EXPECT_EQ(FloatToBFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(FloatToBFloat16(-0.0f).bits, 0x8000);
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::infinity()).bits, 0x7f80);
  EXPECT_EQ(FloatToBFloat16(-std::numeric_limits<float>::infinity()).bits, 0xff80);
  // The upper 16 bits of the float when exact.
  EXPECT_EQ(FloatToBFloat16(3.140625f).bits, BitsOf(3.140625f) >> 16);
}

TEST(BFloat16Test, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x3f808000u)).bits, 0x3f80);  // tie -> even
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x3f818000u)).bits, 0x3f82);  // tie -> even
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x3f808001u)).bits, 0x3f81);  // above tie
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x3f807fffu)).bits, 0x3f80);  // below tie
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x3f80ffffu)).bits, 0x3f81);
  // Rounding the largest floats overflows to infinity, like TF.
  EXPECT_EQ(FloatToBFloat16(std::numeric_limits<float>::max()).bits, 0x7f80);
  EXPECT_EQ(FloatToBFloat16(FloatFromBits(0x7f7f7fffu)).bits, 0x7f7f);
}

TEST(BFloat16Test, NanStaysNan) {
  // A NaN whose payload sits only in the low 16 bits must not become infinity.
  for (uint32_t bits : {0x7f800001u, 0xff800001u, 0x7fc00000u, 0x7fffffffu,
                        0x7f80ffffu}) {
    SCOPED_TRACE(bits);
    const float f = FloatFromBits(bits);
    ASSERT_TRUE(std::isnan(f));
    EXPECT_TRUE(std::isnan(BFloat16ToFloat(FloatToBFloat16(f))));
  }
}

TEST(BFloat16Test, EveryNonNanPatternRoundTrips) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const BFloat16 v{static_cast<uint16_t>(b)};
    const float f = BFloat16ToFloat(v);
    EXPECT_EQ(BitsOf(f), b << 16);
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToBFloat16(f).bits, v.bits) << "bits " << b;
  }
}

}  // namespace
}  // namespace tfckpt
