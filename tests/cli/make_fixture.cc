// Writes the checkpoint the CLI tests run on: one tensor of every savable
// dtype, holding edge values (extremes, nan, inf, -0, invalid UTF-8), and a
// partitioned tensor stored as two slices. Uses the public API only.
//
// Usage: tfckpt_cli_fixture PREFIX
#include <complex>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "tfckpt/tfckpt.h"

namespace tfckpt {
namespace {

template <typename T>
Status AddValues(BundleWriter& writer, const std::string& name,
                 std::vector<T> values) {
  const TensorShape shape{static_cast<int64_t>(values.size())};
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor t, Tensor::FromValues<T>(shape, std::span<const T>(values)));
  return writer.Add(name, t);
}

// Every bit pattern 0 .. count-1, one per byte, for the 1-byte types the
// public API has no C++ element type for.
Status AddPatterns(BundleWriter& writer, const std::string& name,
                   DataType dtype, int count) {
  std::string bytes;
  for (int i = 0; i < count; ++i) bytes += static_cast<char>(i);
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::FromBytes(dtype, {count}, bytes));
  return writer.Add(name, t);
}

Status Write(const std::string& prefix) {
  using F = std::numeric_limits<float>;
  using D = std::numeric_limits<double>;
  TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(prefix));
  BundleWriter& w = *writer;

  TFCKPT_RETURN_IF_ERROR(AddValues<float>(
      w, "float32",
      {0.1f, -0.0f, F::quiet_NaN(), F::infinity(), -F::infinity(),
       F::denorm_min(), F::max(), 1e20f, 2.0f}));
  TFCKPT_RETURN_IF_ERROR(AddValues<double>(
      w, "float64", {0.1, D::max(), D::denorm_min(), -2.5, D::quiet_NaN()}));
  // 1, 1/3 rounded to half, inf, nan.
  TFCKPT_RETURN_IF_ERROR(
      AddValues<Half>(w, "float16", {{0x3c00}, {0x3555}, {0x7c00}, {0x7e00}}));
  // 1, -5, 0.1 rounded to bfloat16, -inf.
  TFCKPT_RETURN_IF_ERROR(AddValues<BFloat16>(
      w, "bfloat16", {{0x3f80}, {0xc0a0}, {0x3dcd}, {0xff80}}));
  TFCKPT_RETURN_IF_ERROR(AddValues<std::complex<float>>(
      w, "complex64", {{1.5f, -0.1f}, {F::quiet_NaN(), F::infinity()}}));
  TFCKPT_RETURN_IF_ERROR(
      AddValues<std::complex<double>>(w, "complex128", {{0.1, 2.0}}));
  TFCKPT_RETURN_IF_ERROR(AddValues<int8_t>(w, "int8", {-128, 127}));
  TFCKPT_RETURN_IF_ERROR(AddValues<uint8_t>(w, "uint8", {0, 255}));
  TFCKPT_RETURN_IF_ERROR(AddValues<int16_t>(w, "int16", {-32768, 32767}));
  TFCKPT_RETURN_IF_ERROR(AddValues<uint16_t>(w, "uint16", {0, 65535}));
  TFCKPT_RETURN_IF_ERROR(
      AddValues<int32_t>(w, "int32", {std::numeric_limits<int32_t>::min(), 7}));
  TFCKPT_RETURN_IF_ERROR(
      AddValues<uint32_t>(w, "uint32", {std::numeric_limits<uint32_t>::max()}));
  // Beyond 2^53: a detour through double would change the digits.
  TFCKPT_RETURN_IF_ERROR(
      AddValues<int64_t>(w, "int64",
                         {std::numeric_limits<int64_t>::max(),
                          std::numeric_limits<int64_t>::min(), -1}));
  TFCKPT_RETURN_IF_ERROR(AddValues<uint64_t>(
      w, "uint64", {std::numeric_limits<uint64_t>::max(), 0}));

  // Bytes as stored: bool (no std::vector<bool> storage to borrow) and the
  // quantized types, which share their storage type's layout.
  const std::string bools = {'\x01', '\x00', '\x01'};
  const std::string q8 = {'\x80', '\x7f'};
  const std::string q16 = {'\x00', '\x80', '\xff', '\x7f'};
  const std::string q32 = {'\x00', '\x00', '\x00', '\x80'};
  for (const auto& [name, dtype, bytes] :
       {std::tuple{"bool", DataType::kBool, bools},
        std::tuple{"qint8", DataType::kQInt8, q8},
        std::tuple{"quint8", DataType::kQUInt8, q8},
        std::tuple{"qint16", DataType::kQInt16, q16},
        std::tuple{"quint16", DataType::kQUInt16, q16},
        std::tuple{"qint32", DataType::kQInt32, q32}}) {
    const auto n = static_cast<int64_t>(bytes.size() / DataTypeSize(dtype));
    TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::FromBytes(dtype, {n}, bytes));
    TFCKPT_RETURN_IF_ERROR(w.Add(name, t));
  }

  for (const auto& [name, dtype, count] :
       {std::tuple{"float8_e5m2", DataType::kFloat8E5M2, 256},
        std::tuple{"float8_e4m3fn", DataType::kFloat8E4M3FN, 256},
        std::tuple{"float8_e4m3fnuz", DataType::kFloat8E4M3FNUZ, 256},
        std::tuple{"float8_e4m3b11fnuz", DataType::kFloat8E4M3B11FNUZ, 256},
        std::tuple{"float8_e5m2fnuz", DataType::kFloat8E5M2FNUZ, 256},
        std::tuple{"float4_e2m1fn", DataType::kFloat4E2M1FN, 16},
        std::tuple{"int4", DataType::kInt4, 16},
        std::tuple{"uint4", DataType::kUInt4, 16},
        std::tuple{"int2", DataType::kInt2, 4},
        std::tuple{"uint2", DataType::kUInt2, 4}}) {
    TFCKPT_RETURN_IF_ERROR(AddPatterns(w, name, dtype, count));
  }

  TFCKPT_ASSIGN_OR_RETURN(
      Tensor strings,
      Tensor::FromStrings(
          {5}, {"plain", "quote\" backslash\\ newline\n", "h\xc3\xa9llo",
                std::string("\xff\x00\xfe", 3), ""}));
  TFCKPT_RETURN_IF_ERROR(w.Add("string", strings));

  TFCKPT_ASSIGN_OR_RETURN(Tensor scalar,
                          Tensor::FromValues<int32_t>({}, std::vector{42}));
  TFCKPT_RETURN_IF_ERROR(w.Add("scalar", scalar));
  TFCKPT_ASSIGN_OR_RETURN(Tensor empty,
                          Tensor::Allocate(DataType::kFloat, {0, 3}));
  TFCKPT_RETURN_IF_ERROR(w.Add("empty", empty));

  // "partitioned" = 0..11 as float32 [4,3], saved as rows 2-3 then rows 0-1
  // (explicit extents, as SaveV2 writes them).
  const TensorShape full{4, 3};
  for (int64_t start : {2, 0}) {
    TFCKPT_ASSIGN_OR_RETURN(TensorSlice slice,
                            TensorSlice::Create({{start, 2}, {0, 3}}));
    std::vector<float> rows(6);
    std::iota(rows.begin(), rows.end(), static_cast<float>(start * 3));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor t,
        Tensor::FromValues<float>({2, 3}, std::span<const float>(rows)));
    TFCKPT_RETURN_IF_ERROR(w.AddSlice("partitioned", full, slice, t));
  }
  return w.Finish();
}

}  // namespace
}  // namespace tfckpt

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tfckpt_cli_fixture PREFIX\n";
    return 2;
  }
  const tfckpt::Status status = tfckpt::Write(argv[1]);
  if (!status.ok()) {
    std::cerr << "tfckpt_cli_fixture: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
