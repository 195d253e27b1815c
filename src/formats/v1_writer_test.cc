// V1Writer: what it writes reads back through CheckpointReader with every
// value intact, and misuse gives clear errors. Byte equality with
// TensorFlow's own V1 files is checked in tests/interop_formats.
#include "src/formats/v1_writer.h"

#include <complex>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/testing.h"
#include "tfckpt/checkpoint_reader.h"

namespace tfckpt::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

template <typename T>
Tensor Values(const TensorShape& shape, const std::vector<T>& values) {
  return *Tensor::FromValues<T>(shape, values);
}

Tensor Floats(const TensorShape& shape, const std::vector<float>& values) {
  return Values<float>(shape, values);
}

TEST(V1WriterTest, WrittenTensorsReadBack) {
  TempDir dir;
  const std::string path = dir.Join("model.ckpt");
  const Tensor kernel = Floats({2, 3}, {1, -2, 3.5f, 4, 5, 6});
  // float16 1.0 and the largest negative float16, as bit patterns.
  const Tensor half = *Tensor::FromBytes(DataType::kHalf, {2},
                                         Values<uint16_t>({2}, {0x3c00, 0xfbff}).bytes());
  const Tensor small = Values<int8_t>({3}, {-128, 0, 127});
  const Tensor complex =
      Values<std::complex<double>>({1}, {std::complex<double>(1.5, -2)});
  const Tensor words = *Tensor::FromStrings({2}, {"a", std::string("\0\xff", 2)});
  const Tensor scalar = Values<int64_t>({}, {int64_t{1} << 62});
  const Tensor empty = Floats({0, 4}, {});
  const std::vector<TensorInfo> specs = {
      {"w/kernel", DataType::kFloat, {2, 3}},    {"half", DataType::kHalf, {2}},
      {"small", DataType::kInt8, {3}},           {"c", DataType::kComplex128, {1}},
      {"words", DataType::kString, {2}},         {"step", DataType::kInt64, {}},
      {"empty", DataType::kFloat, {0, 4}}};
  const std::map<std::string, const Tensor*> values = {
      {"w/kernel", &kernel}, {"half", &half},  {"small", &small}, {"c", &complex},
      {"words", &words},     {"step", &scalar}, {"empty", &empty}};

  auto writer = V1Writer::Create(path, specs, FileSystem::Default());
  ASSERT_THAT(writer, IsOk());
  for (const std::string& name : V1Writer::RecordOrder(specs)) {
    ASSERT_THAT((*writer)->Add(name, *values.at(name)), IsOk());
  }
  ASSERT_THAT((*writer)->Finish(), IsOk());
  EXPECT_THAT((*writer)->Finish(), StatusIs(StatusCode::kFailedPrecondition));

  auto reader = CheckpointReader::Open(path);
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ((*reader)->format(), CheckpointFormat::kV1);
  for (const auto& [name, expected] : values) {
    auto read = (*reader)->ReadTensor(name);
    ASSERT_THAT(read, IsOk()) << name;
    EXPECT_EQ(read->dtype(), expected->dtype()) << name;
    EXPECT_EQ(read->shape(), expected->shape()) << name;
    if (expected->dtype() == DataType::kString) {
      EXPECT_EQ(read->strings(), expected->strings());
    } else {
      EXPECT_EQ(read->bytes(), expected->bytes()) << name;
    }
  }
}

TEST(V1WriterTest, RecordOrderIsKeyOrder) {
  EXPECT_THAT(V1Writer::RecordOrder({{"b", DataType::kFloat, {}},
                                     {"a/b", DataType::kFloat, {}},
                                     {"a", DataType::kFloat, {1}}}),
              ElementsAre("a", "a/b", "b"));
}

TEST(V1WriterTest, Misuse) {
  TempDir dir;
  const std::string path = dir.Join("bad.ckpt");
  FileSystem* fs = FileSystem::Default();
  EXPECT_THAT(V1Writer::Create(path, {{"x", DataType::kBFloat16, {1}}}, fs),
              StatusIs(StatusCode::kUnimplemented, HasSubstr("bfloat16")));
  EXPECT_THAT(V1Writer::Create(path, {{"x", DataType::kFloat, {1}}, {"x", DataType::kFloat, {1}}},
                               fs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("declared twice")));

  const std::vector<TensorInfo> specs = {{"a", DataType::kFloat, {1}},
                                         {"b", DataType::kFloat, {1}}};
  auto writer = V1Writer::Create(path, specs, fs);
  ASSERT_THAT(writer, IsOk());
  EXPECT_THAT((*writer)->Add("b", Floats({1}, {1})),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("record order")));
  EXPECT_THAT((*writer)->Add("a", Floats({2}, {1, 2})),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'a'")));
  ASSERT_THAT((*writer)->Add("a", Floats({1}, {1})), IsOk());
  EXPECT_THAT((*writer)->Finish(),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("'b' was declared")));
  writer->reset();
  // Nothing was committed: the temporary is gone and no file appeared.
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace tfckpt::internal
