// Conversion between checkpoints, safetensors and .npz, and the strict
// validation of the files read.
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "src/base/coding.h"
#include "src/formats/tensor_files.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/convert.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::WriteFileOrDie;

// A checkpoint with one tensor of several dtypes, including bfloat16 (no
// NumPy type), complex128 (no safetensors type), string (neither) and an
// empty tensor.
std::string WriteSample(const TempDir& dir) {
  const std::string prefix = dir.Join("sample");
  auto writer = BundleWriter::Create(prefix);
  EXPECT_THAT(writer, IsOk());
  const std::vector<float> f = {1.5f, -0.0f, 3.25f, 1e-30f, 7, 8};
  const std::vector<BFloat16> bf = {{0x3f80}, {0x7fc1}, {0xff80}};
  const std::vector<int64_t> i = {INT64_MIN, 0, INT64_MAX};
  const std::vector<std::complex<double>> c = {{1, -2}};
  const std::vector<bool> b = {true, false};
  EXPECT_THAT((*writer)->Add("dense/kernel", *Tensor::FromValues<float>({2, 3}, f)), IsOk());
  EXPECT_THAT((*writer)->Add("bf", *Tensor::FromValues<BFloat16>({3}, bf)), IsOk());
  EXPECT_THAT((*writer)->Add("step", *Tensor::FromValues<int64_t>({3}, i)), IsOk());
  EXPECT_THAT((*writer)->Add("c", *Tensor::FromValues<std::complex<double>>({1}, c)), IsOk());
  EXPECT_THAT((*writer)->Add("empty", *Tensor::Zeros(DataType::kHalf, {0, 4})), IsOk());
  EXPECT_THAT((*writer)->Add("s", *Tensor::FromStrings({1}, {"x"})), IsOk());
  EXPECT_THAT((*writer)->Add("flag", *Tensor::Zeros(DataType::kBool, {2})), IsOk());
  EXPECT_THAT((*writer)->Finish(), IsOk());
  return prefix;
}

void ExpectSameTensors(const std::string& a, const std::string& b,
                       const std::vector<std::string>& names) {
  auto ra = CheckpointReader::Open(a);
  auto rb = CheckpointReader::Open(b);
  ASSERT_THAT(ra, IsOk());
  ASSERT_THAT(rb, IsOk());
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    auto ta = (*ra)->ReadTensor(name);
    auto tb = (*rb)->ReadTensor(name);
    ASSERT_THAT(ta, IsOk());
    ASSERT_THAT(tb, IsOk());
    EXPECT_TRUE(ta->IdenticalTo(*tb)) << ta->DebugString() << " vs " << tb->DebugString();
  }
}

TEST(ConvertTest, SafetensorsRoundTripIsBitExact) {
  TempDir dir;
  const std::string prefix = WriteSample(dir);
  TFCKPT_ASSERT_OK_AND_ASSIGN(ConvertResult to, Convert(prefix, dir.Join("m.safetensors")));
  EXPECT_THAT(to.skipped, UnorderedElementsAre(HasSubstr("c: "), HasSubstr("s: ")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(ConvertResult back, Convert(dir.Join("m.safetensors"), dir.Join("back")));
  EXPECT_TRUE(back.skipped.empty());
  EXPECT_THAT(back.written, UnorderedElementsAre("bf", "dense/kernel", "empty", "flag", "step"));
  ExpectSameTensors(prefix, dir.Join("back"), back.written);
  // Data starts 8-byte aligned, as the reference writer leaves it.
  const std::string bytes = ReadFileOrDie(dir.Join("m.safetensors"));
  EXPECT_EQ(internal::DecodeFixed64(bytes.data()) % 8, 0u);
}

TEST(ConvertTest, NpzRoundTripKeepsBfloat16AndComplex128) {
  TempDir dir;
  const std::string prefix = WriteSample(dir);
  TFCKPT_ASSERT_OK_AND_ASSIGN(ConvertResult to, Convert(prefix, dir.Join("m.npz")));
  EXPECT_THAT(to.skipped, ElementsAre(HasSubstr("s: ")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto npz, TensorSource::Open(dir.Join("m.npz")));
  for (const TensorInfo& info : npz->tensors()) {
    if (info.name == "bf") {
      EXPECT_EQ(info.dtype, DataType::kBFloat16);
    }
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(ConvertResult back, Convert(dir.Join("m.npz"), dir.Join("back")));
  EXPECT_THAT(back.written, UnorderedElementsAre("bf", "c", "dense/kernel", "empty", "flag", "step"));
  ExpectSameTensors(prefix, dir.Join("back"), back.written);
}

TEST(ConvertTest, RenamesAndRejectsCollisions) {
  TempDir dir;
  const std::string prefix = WriteSample(dir);
  ConvertOptions options;
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      options.rename, ParseRenameMap(R"({"dense/kernel": "fc.weight"})", "map.json"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(ConvertResult r,
                              Convert(prefix, dir.Join("r.safetensors"), options));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto st, TensorSource::Open(dir.Join("r.safetensors")));
  EXPECT_THAT(st->Read("fc.weight"), IsOk());
  EXPECT_THAT(st->Read("dense/kernel"), StatusIs(StatusCode::kNotFound));
  options.rename = {{"bf", "step"}};
  EXPECT_THAT(Convert(prefix, dir.Join("x.npz"), options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("step")));
  EXPECT_THAT(ParseRenameMap("[1]", "m"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRenameMap(R"({"a": 1})", "m"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(NpyTest, HeaderMatchesNumpyLayout) {
  const std::string h = internal::NpyHeader("<f4", {2, 3});
  EXPECT_EQ(h.size() % 64, 0u);
  EXPECT_EQ(h.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_THAT(h, HasSubstr("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
  EXPECT_EQ(h.back(), '\n');
  EXPECT_THAT(internal::NpyHeader("|b1", {5}), HasSubstr("'shape': (5,), }"));
  EXPECT_THAT(internal::NpyHeader("|b1", {}), HasSubstr("'shape': (), }"));
}

TEST(Crc32Test, KnownAnswer) {
  EXPECT_EQ(internal::Crc32(0, "123456789"), 0xcbf43926u);
  EXPECT_EQ(internal::Crc32(internal::Crc32(0, "1234"), "56789"), 0xcbf43926u);
}

// A safetensors file from a header and a data size.
std::string Safetensors(const std::string& header, size_t data_size) {
  std::string out;
  internal::PutFixed64(&out, header.size());
  return out + header + std::string(data_size, '\x01');
}

TEST(SafetensorsTest, RejectsMalformedFiles) {
  TempDir dir;
  struct Case {
    const char* what;
    std::string bytes;
    StatusCode code;
  };
  const std::string one = R"("a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
  const std::vector<Case> cases = {
      {"valid", Safetensors("{" + one + "}", 8), StatusCode::kOk},
      {"trailing bytes", Safetensors("{" + one + "}", 9), StatusCode::kDataLoss},
      {"short data", Safetensors("{" + one + "}", 7), StatusCode::kDataLoss},
      {"hole",
       Safetensors(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
       StatusCode::kDataLoss},
      {"overlap",
       Safetensors("{" + one +
                       R"(, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                   8),
       StatusCode::kDataLoss},
      {"duplicate", Safetensors("{" + one + ", " + one + "}", 8), StatusCode::kDataLoss},
      {"bytes vs shape",
       Safetensors(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
       StatusCode::kDataLoss},
      {"negative dim",
       Safetensors(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8),
       StatusCode::kDataLoss},
      {"extra key",
       Safetensors(
           R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}})", 8),
       StatusCode::kDataLoss},
      {"unknown dtype",
       Safetensors(R"({"a": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}})", 8),
       StatusCode::kUnimplemented},
      {"not an object", Safetensors("[1, 2]  ", 0), StatusCode::kDataLoss},
      {"not JSON", Safetensors("{oops", 0), StatusCode::kDataLoss},
      {"metadata not strings", Safetensors(R"({"__metadata__": {"a": 1}})", 0),
       StatusCode::kDataLoss},
      {"header past end", std::string("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10),
       StatusCode::kDataLoss},
      {"header too large", std::string("\x00\x00\x00\x00\x01\x00\x00\x00{}", 10),
       StatusCode::kDataLoss},
      {"too short", "abc", StatusCode::kDataLoss},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WriteFileOrDie(dir.Join("t.safetensors"), c.bytes);
    auto source = TensorSource::Open(dir.Join("t.safetensors"));
    EXPECT_EQ(source.status().code(), c.code) << source.status();
  }
}

TEST(NpzTest, RejectsCompressedAndCorruptArchives) {
  TempDir dir;
  const std::string prefix = WriteSample(dir);
  ASSERT_THAT(Convert(prefix, dir.Join("m.npz")), IsOk());
  const std::string good = ReadFileOrDie(dir.Join("m.npz"));
  // Flip one element byte of the first member: the CRC catches it on read.
  std::string corrupt = good;
  const size_t first_data = corrupt.find("\n", corrupt.find("NUMPY")) + 1;
  corrupt[first_data] = static_cast<char>(corrupt[first_data] ^ 0x40);
  WriteFileOrDie(dir.Join("c.npz"), corrupt);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto source, TensorSource::Open(dir.Join("c.npz")));
  EXPECT_THAT(source->Read(source->tensors()[0].name),
              StatusIs(StatusCode::kDataLoss, HasSubstr("CRC")));
  // Claim the first member is deflated (method 8) in the central directory.
  std::string deflated = good;
  const size_t central = deflated.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(central, std::string::npos);
  deflated[central + 10] = 8;
  WriteFileOrDie(dir.Join("d.npz"), deflated);
  EXPECT_THAT(TensorSource::Open(dir.Join("d.npz")),
              StatusIs(StatusCode::kUnimplemented, HasSubstr("savez_compressed")));
  // Truncation loses the end record.
  WriteFileOrDie(dir.Join("t.npz"), good.substr(0, good.size() - 10));
  EXPECT_THAT(TensorSource::Open(dir.Join("t.npz")), StatusIs(StatusCode::kDataLoss));
}

}  // namespace
}  // namespace tfckpt
