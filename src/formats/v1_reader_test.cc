// V1 checkpoints through CheckpointReader: the real TF 0.x files, and
// synthetic ones (sharded, partitioned, every V1 value field, corrupt).
#include <cmath>
#include <complex>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/bundle/entry_codec.h"
#include "src/core/proto_conversions.h"
#include "src/formats/v1_reader.h"
#include "src/table/table_builder.h"
#include "tensorflow/core/util/saved_tensor_slice.pb.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_reader.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::TfRealPath;

// One slice record of a synthetic V1 file.
struct SliceRecord {
  std::string name;
  TensorSlice slice;
  tensorflow::TensorProto data;
};

// Writes a V1 table: `meta` under "", then the records in key order.
void WriteV1(const std::string& path, const tensorflow::SavedTensorSliceMeta& meta,
             const std::vector<SliceRecord>& records) {
  std::map<std::string, std::string> table;
  tensorflow::SavedTensorSlices header;
  *header.mutable_meta() = meta;
  table[""] = header.SerializeAsString();
  for (const SliceRecord& r : records) {
    tensorflow::SavedTensorSlices sts;
    sts.mutable_data()->set_name(r.name);
    internal::SliceToProto(r.slice, sts.mutable_data()->mutable_slice());
    *sts.mutable_data()->mutable_data() = r.data;
    table[internal::EncodeTensorNameSlice(r.name, r.slice)] = sts.SerializeAsString();
  }
  auto file = FileSystem::Default()->OpenForWrite(path);
  ASSERT_THAT(file, IsOk());
  auto builder = internal::TableBuilder::Create(file->get());
  ASSERT_THAT(builder, IsOk());
  for (const auto& [key, value] : table) ASSERT_THAT((*builder)->Add(key, value), IsOk());
  ASSERT_THAT((*builder)->Finish(), IsOk());
  ASSERT_THAT((*file)->Close(), IsOk());
}

tensorflow::SavedSliceMeta* AddMeta(tensorflow::SavedTensorSliceMeta* meta,
                                    const std::string& name, DataType dtype,
                                    const TensorShape& shape,
                                    const std::vector<TensorSlice>& slices) {
  tensorflow::SavedSliceMeta* t = meta->add_tensor();
  t->set_name(name);
  t->set_type(static_cast<tensorflow::DataType>(dtype));
  internal::ShapeToProto(shape, t->mutable_shape());
  for (const TensorSlice& s : slices) internal::SliceToProto(s, t->add_slice());
  return t;
}

TensorSlice Slice(const char* spec) {
  auto s = TensorSlice::Parse(spec);
  EXPECT_THAT(s, IsOk());
  return *s;
}

class V1GoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(V1GoldenTest, ReadsEveryTensorAndVerifies) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader,
                              CheckpointReader::Open(TfRealPath(GetParam())));
  EXPECT_EQ(reader->format(), CheckpointFormat::kV1);
  EXPECT_EQ(reader->bundle(), nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<BundleEntryInfo> entries, reader->ListEntries());
  std::map<std::string, std::string> shapes;
  for (const BundleEntryInfo& e : entries) {
    EXPECT_EQ(e.dtype, DataType::kFloat) << e.name;
    EXPECT_FALSE(e.partitioned()) << e.name;
    EXPECT_GT(e.size, 0) << e.name;
    shapes[e.name] = e.shape.DebugString();
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, reader->ReadTensor(e.name));
    EXPECT_EQ(t.shape(), e.shape);
    for (const float v : t.flat<float>()) EXPECT_TRUE(std::isfinite(v)) << e.name;
  }
  EXPECT_EQ(shapes, (std::map<std::string, std::string>{
                        {"beta1_power", "[]"},      {"beta2_power", "[]"},
                        {"mbias", "[10]"},          {"mbias/Adam", "[10]"},
                        {"mbias/Adam_1", "[10]"},   {"mbias2", "[2]"},
                        {"mbias2/Adam", "[2]"},     {"mbias2/Adam_1", "[2]"},
                        {"mweight", "[4,10]"},      {"mweight/Adam", "[4,10]"},
                        {"mweight/Adam_1", "[4,10]"}, {"mweight2", "[10,2]"},
                        {"mweight2/Adam", "[10,2]"}, {"mweight2/Adam_1", "[10,2]"}}));
  EXPECT_TRUE(reader->Verify().empty());
  // A region of an unpartitioned tensor.
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor whole, reader->ReadTensor("mweight"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor row, reader->ReadSlice("mweight", Slice("2,1:-")));
  ASSERT_EQ(row.shape(), (TensorShape{1, 10}));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(row.flat<float>()[static_cast<size_t>(i)],
              whole.flat<float>()[static_cast<size_t>(20 + i)]);
  }
}

INSTANTIATE_TEST_SUITE_P(TfReal, V1GoldenTest,
                         ::testing::Values("v1-format/model.ckpt",
                                           "v1-format/video_weights.ckpt"));

TEST(V1ReaderTest, ShardedPartitionedAndEveryValueField) {
  TempDir dir;
  // Shard 0: "p" rows 0..1 and a few scalar-ish tensors; shard 1: "p" row 2.
  tensorflow::SavedTensorSliceMeta meta0;
  meta0.mutable_versions()->set_producer(1);
  AddMeta(&meta0, "p", DataType::kInt32, {3, 2}, {Slice("0,2:-")});
  AddMeta(&meta0, "h", DataType::kHalf, {2}, {TensorSlice::Full(1)});
  AddMeta(&meta0, "c", DataType::kComplex64, {1}, {TensorSlice::Full(1)});
  AddMeta(&meta0, "s", DataType::kString, {2}, {TensorSlice::Full(1)});
  AddMeta(&meta0, "i8", DataType::kInt8, {2}, {TensorSlice::Full(1)});
  std::vector<SliceRecord> records0(5);
  records0[0] = {"p", Slice("0,2:-"), {}};
  for (int v : {1, 2, 3, 4}) records0[0].data.add_int_val(v);
  records0[1] = {"h", TensorSlice::Full(1), {}};
  records0[1].data.add_half_val(0x3c00);
  records0[1].data.add_half_val(0xc000);
  records0[2] = {"c", TensorSlice::Full(1), {}};
  records0[2].data.add_scomplex_val(1.5f);
  records0[2].data.add_scomplex_val(-2.0f);
  records0[3] = {"s", TensorSlice::Full(1), {}};
  records0[3].data.add_string_val("a");
  records0[3].data.add_string_val(std::string("\0b", 2));
  records0[4] = {"i8", TensorSlice::Full(1), {}};
  records0[4].data.add_int_val(-128);
  records0[4].data.add_int_val(127);
  WriteV1(dir.Join("m-00000-of-00002"), meta0, records0);
  tensorflow::SavedTensorSliceMeta meta1;
  AddMeta(&meta1, "p", DataType::kInt32, {3, 2}, {Slice("2,1:-")});
  std::vector<SliceRecord> records1(1);
  records1[0] = {"p", Slice("2,1:-"), {}};
  records1[0].data.add_int_val(5);
  records1[0].data.add_int_val(6);
  WriteV1(dir.Join("m-00001-of-00002"), meta1, records1);

  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader,
                              CheckpointReader::Open(dir.Join("m-?????-of-00002")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo p, reader->GetEntryInfo("p"));
  EXPECT_TRUE(p.partitioned());
  EXPECT_THAT(p.slices, ElementsAre(Slice("0,2:-"), Slice("2,1:-")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo part, reader->GetSliceEntryInfo("p", Slice("2,1:-")));
  EXPECT_EQ(part.shard_id, 1);
  EXPECT_EQ(part.shape, (TensorShape{1, 2}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor pt, reader->ReadTensor("p"));
  EXPECT_THAT(pt.flat<int32_t>(), ElementsAre(1, 2, 3, 4, 5, 6));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor across, reader->ReadSlice("p", Slice("1,2:1,1")));
  EXPECT_THAT(across.flat<int32_t>(), ElementsAre(4, 6));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor h, reader->ReadTensor("h"));
  EXPECT_EQ(HalfToFloat(h.flat<Half>()[1]), -2.0f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor c, reader->ReadTensor("c"));
  EXPECT_EQ(c.flat<std::complex<float>>()[0], std::complex<float>(1.5f, -2.0f));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s, reader->ReadTensor("s"));
  EXPECT_THAT(s.strings(), ElementsAre("a", std::string("\0b", 2)));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor i8, reader->ReadTensor("i8"));
  EXPECT_THAT(i8.flat<int8_t>(), ElementsAre(-128, 127));
  EXPECT_TRUE(reader->Verify().empty());
  EXPECT_THAT(reader->GetEntryInfo("nope"), StatusIs(StatusCode::kNotFound));
}

TEST(V1ReaderTest, MissingSliceIsNotFound) {
  TempDir dir;
  tensorflow::SavedTensorSliceMeta meta;
  AddMeta(&meta, "p", DataType::kFloat, {4}, {Slice("0,2")});
  std::vector<SliceRecord> records(1);
  records[0] = {"p", Slice("0,2"), {}};
  records[0].data.add_float_val(1);
  records[0].data.add_float_val(2);
  WriteV1(dir.Join("m"), meta, records);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, CheckpointReader::Open(dir.Join("m")));
  EXPECT_THAT(reader->ReadTensor("p"), StatusIs(StatusCode::kNotFound, HasSubstr("cover")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor first, reader->ReadSlice("p", Slice("0,2")));
  EXPECT_THAT(first.flat<float>(), ElementsAre(1.0f, 2.0f));
}

TEST(V1ReaderTest, CorruptMetadataAndRecordsAreRejected) {
  TempDir dir;
  {
    tensorflow::SavedTensorSliceMeta meta;
    AddMeta(&meta, "a", DataType::kFloat, {2}, {Slice("0,1"), Slice("0,2")});
    WriteV1(dir.Join("overlap"), meta, {});
    EXPECT_THAT(CheckpointReader::Open(dir.Join("overlap")),
                StatusIs(StatusCode::kDataLoss, HasSubstr("overlap")));
  }
  {
    tensorflow::SavedTensorSliceMeta meta;
    AddMeta(&meta, "a", DataType::kFloat, {2}, {Slice("1,5")});
    WriteV1(dir.Join("outside"), meta, {});
    EXPECT_THAT(CheckpointReader::Open(dir.Join("outside")), StatusIs(StatusCode::kDataLoss));
  }
  {
    tensorflow::SavedTensorSliceMeta meta;
    meta.mutable_versions()->set_producer(1);
    meta.mutable_versions()->set_min_consumer(7);
    WriteV1(dir.Join("newer"), meta, {});
    EXPECT_THAT(CheckpointReader::Open(dir.Join("newer")),
                StatusIs(StatusCode::kInvalidArgument));
  }
  {
    tensorflow::SavedTensorSliceMeta meta;
    AddMeta(&meta, "a", DataType::kFloat, {3}, {TensorSlice::Full(1)});
    AddMeta(&meta, "b", DataType::kFloat, {1}, {TensorSlice::Full(1)});
    std::vector<SliceRecord> records(1);
    records[0] = {"a", TensorSlice::Full(1), {}};
    records[0].data.add_float_val(1);  // 1 value for 3 elements
    WriteV1(dir.Join("short"), meta, records);
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, CheckpointReader::Open(dir.Join("short")));
    EXPECT_THAT(reader->ReadTensor("a"), StatusIs(StatusCode::kDataLoss, HasSubstr("values")));
    EXPECT_THAT(reader->ReadTensor("b"), StatusIs(StatusCode::kDataLoss, HasSubstr("missing")));
    EXPECT_EQ(reader->Verify().size(), 2u);
  }
  testing::WriteFileOrDie(dir.Join("garbage"), "not a table");
  EXPECT_FALSE(CheckpointReader::Open(dir.Join("garbage")).ok());
  EXPECT_THAT(CheckpointReader::Open(dir.Join("absent")), StatusIs(StatusCode::kNotFound));
}

TEST(CheckpointReaderTest, V2DelegatesToBundleReader) {
  TempDir dir;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("ckpt")));
  const std::vector<float> values = {1, 2, 3};
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::FromValues<float>({3}, values));
  ASSERT_THAT(writer->Add("w", t), IsOk());
  ASSERT_THAT(writer->Finish(), IsOk());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, CheckpointReader::Open(dir.Join("ckpt")));
  EXPECT_EQ(reader->format(), CheckpointFormat::kV2);
  ASSERT_NE(reader->bundle(), nullptr);
  EXPECT_TRUE(reader->Contains("w"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor read, reader->ReadTensor("w"));
  EXPECT_TRUE(read.IdenticalTo(t));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor part, reader->ReadSlice("w", Slice("1,2")));
  EXPECT_THAT(part.flat<float>(), ElementsAre(2.0f, 3.0f));
  EXPECT_TRUE(reader->Verify().empty());
}

}  // namespace
}  // namespace tfckpt
