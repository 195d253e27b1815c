// Real TensorFlow-written bundles (../shared/testdata/tf-real, see its
// README for provenance): they open, list, verify and decode, and rewriting a
// single-shard one with BundleWriter gives the same bytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::TfRealPath;

// The complete (index + one data shard) bundles.
const char* const kCompleteBundles[] = {
    "tf1.2-linear/smovetf.ckpt",
    "tf1.3-tutorial/my_test_model-1000",
    "tf2.10-savedmodel/variables/variables",
};

std::unique_ptr<BundleReader> OpenReal(const std::string& relative) {
  StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::Open(TfRealPath(relative));
  EXPECT_THAT(reader, IsOk()) << relative;
  return reader.ok() ? std::move(reader).value() : nullptr;
}

std::map<std::string, BundleEntryInfo> ListByName(const BundleReader& reader) {
  std::map<std::string, BundleEntryInfo> out;
  StatusOr<std::vector<BundleEntryInfo>> entries = reader.ListEntries();
  EXPECT_THAT(entries, IsOk());
  if (!entries.ok()) return out;
  for (const BundleEntryInfo& e : *entries) out[e.name] = e;
  return out;
}

class CompleteBundleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CompleteBundleTest, OpensVerifiesAndDecodesEverything) {
  auto reader = OpenReal(GetParam());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->num_shards(), 1);
  EXPECT_THAT(reader->Verify(), IsEmpty());
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<BundleEntryInfo> entries, reader->ListEntries());
  ASSERT_FALSE(entries.empty());
  for (const BundleEntryInfo& e : entries) {
    SCOPED_TRACE(e.name);
    EXPECT_FALSE(e.partitioned());
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, reader->ReadTensor(e.name));
    EXPECT_EQ(t.dtype(), e.dtype);
    EXPECT_EQ(t.shape(), e.shape);
    if (t.dtype() != DataType::kString) {
      EXPECT_EQ(static_cast<int64_t>(t.byte_size()), e.size);
    }
  }
}

// Real savers pack tensors densely: sorted by offset, each starts where the
// previous one ended and the last one ends at the end of the data file.
TEST_P(CompleteBundleTest, DataFileIsDenselyPacked) {
  auto reader = OpenReal(GetParam());
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<BundleEntryInfo> entries, reader->ListEntries());
  std::sort(entries.begin(), entries.end(),
            [](const BundleEntryInfo& a, const BundleEntryInfo& b) { return a.offset < b.offset; });
  int64_t end = 0;
  for (const BundleEntryInfo& e : entries) {
    EXPECT_EQ(e.offset, end) << e.name;
    end = e.offset + e.size;
  }
  const std::string data =
      ReadFileOrDie(TfRealPath(std::string(GetParam()) + ".data-00000-of-00001"));
  EXPECT_EQ(static_cast<size_t>(end), data.size());
}

// Adding the decoded tensors again in data-file order reproduces both files.
TEST_P(CompleteBundleTest, RewriteIsByteIdentical) {
  auto reader = OpenReal(GetParam());
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<BundleEntryInfo> entries, reader->ListEntries());
  std::sort(entries.begin(), entries.end(),
            [](const BundleEntryInfo& a, const BundleEntryInfo& b) { return a.offset < b.offset; });
  TempDir dir;
  const std::string prefix = dir.Join("copy");
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(prefix));
    for (const BundleEntryInfo& e : entries) {
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, reader->ReadTensor(e.name));
      ASSERT_THAT(writer->Add(e.name, t), IsOk()) << e.name;
    }
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  const std::string original = TfRealPath(GetParam());
  EXPECT_TRUE(ReadFileOrDie(prefix + ".index") == ReadFileOrDie(original + ".index"))
      << "index differs";
  EXPECT_TRUE(ReadFileOrDie(prefix + ".data-00000-of-00001") ==
              ReadFileOrDie(original + ".data-00000-of-00001"))
      << "data differs";
}

INSTANTIATE_TEST_SUITE_P(TfReal, CompleteBundleTest, ::testing::ValuesIn(kCompleteBundles));

TEST(GoldenTest, Tf12LinearHoldsW) {
  auto reader = OpenReal("tf1.2-linear/smovetf.ckpt");
  ASSERT_NE(reader, nullptr);
  const auto entries = ListByName(*reader);
  ASSERT_THAT(entries, SizeIs(1));
  const BundleEntryInfo& w = entries.at("W");
  EXPECT_EQ(w.dtype, DataType::kFloat);
  EXPECT_EQ(w.shape, TensorShape({21, 1}));
  EXPECT_EQ(w.offset, 0);
  EXPECT_EQ(w.size, 84);
}

TEST(GoldenTest, Tf13TutorialBiasIsTwo) {
  auto reader = OpenReal("tf1.3-tutorial/my_test_model-1000");
  ASSERT_NE(reader, nullptr);
  const auto entries = ListByName(*reader);
  ASSERT_THAT(entries, SizeIs(1));
  const BundleEntryInfo& bias = entries.at("bias");
  EXPECT_EQ(bias.dtype, DataType::kFloat);
  EXPECT_EQ(bias.shape, TensorShape());
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, reader->ReadTensor("bias"));
  ASSERT_EQ(t.num_elements(), 1);
  EXPECT_EQ(t.flat<float>()[0], 2.0f);
}

// Checkpoint keys named by a serialized TrackableObjectGraph: nodes (1) ->
// attributes (2) -> checkpoint_key (3). Walked as raw wire format because
// tfckpt does not carry that proto.
std::set<std::string> CheckpointKeys(const std::string& object_graph) {
  std::set<std::string> keys;
  google::protobuf::UnknownFieldSet graph;
  EXPECT_TRUE(graph.ParseFromString(object_graph));
  for (int i = 0; i < graph.field_count(); ++i) {
    const auto& node_field = graph.field(i);
    if (node_field.number() != 1) continue;
    google::protobuf::UnknownFieldSet node;
    EXPECT_TRUE(node.ParseFromString(node_field.length_delimited()));
    for (int j = 0; j < node.field_count(); ++j) {
      const auto& attribute_field = node.field(j);
      if (attribute_field.number() != 2) continue;
      google::protobuf::UnknownFieldSet attribute;
      EXPECT_TRUE(attribute.ParseFromString(attribute_field.length_delimited()));
      for (int k = 0; k < attribute.field_count(); ++k) {
        if (attribute.field(k).number() == 3) keys.insert(attribute.field(k).length_delimited());
      }
    }
  }
  return keys;
}

TEST(GoldenTest, Tf210SavedModelVariables) {
  auto reader = OpenReal("tf2.10-savedmodel/variables/variables");
  ASSERT_NE(reader, nullptr);
  const auto entries = ListByName(*reader);
  EXPECT_THAT(entries, SizeIs(64));

  const BundleEntryInfo& graph_info = entries.at("_CHECKPOINTABLE_OBJECT_GRAPH");
  EXPECT_EQ(graph_info.dtype, DataType::kString);
  EXPECT_EQ(graph_info.shape, TensorShape());
  // TF2 adds the object graph last.
  for (const auto& [name, info] : entries) EXPECT_LE(info.offset, graph_info.offset) << name;

  const BundleEntryInfo& iter = entries.at("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(iter.dtype, DataType::kInt64);
  EXPECT_EQ(iter.shape, TensorShape());
  EXPECT_TRUE(entries.count(
      "layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE"));

  // The object graph decodes, and its checkpoint keys are exactly the other
  // entries.
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor graph, reader->ReadTensor("_CHECKPOINTABLE_OBJECT_GRAPH"));
  ASSERT_EQ(graph.strings().size(), 1u);
  const std::set<std::string> keys = CheckpointKeys(graph.strings()[0]);
  std::set<std::string> variables;
  for (const auto& [name, info] : entries) {
    if (name != "_CHECKPOINTABLE_OBJECT_GRAPH") variables.insert(name);
  }
  EXPECT_EQ(keys, variables);
}

TEST(GoldenTest, Tf114IndexWithoutData) {
  const std::string prefix = "tf1.14-mnist-cnn/my_test_model-1000";
  auto reader = OpenReal(prefix);
  ASSERT_NE(reader, nullptr);
  const auto entries = ListByName(*reader);
  // 8 variables, each with two Adam slots, plus beta1_power and beta2_power.
  EXPECT_THAT(entries, SizeIs(26));
  int with_slots = 0;
  for (const auto& [name, info] : entries) {
    EXPECT_EQ(info.dtype, DataType::kFloat) << name;
    if (entries.count(name + "/Adam") && entries.count(name + "/Adam_1")) {
      ++with_slots;
      EXPECT_EQ(entries.at(name + "/Adam").shape, info.shape);
      EXPECT_EQ(entries.at(name + "/Adam_1").shape, info.shape);
    }
  }
  EXPECT_EQ(with_slots, 8);
  EXPECT_TRUE(entries.count("beta1_power"));
  EXPECT_TRUE(entries.count("beta2_power"));

  // The data file is not there: reads fail and say which file is missing.
  const std::string missing = "my_test_model-1000.data-00000-of-00001";
  const auto missing_file = AnyOf(StatusIs(StatusCode::kNotFound, HasSubstr(missing)),
                                  StatusIs(StatusCode::kDataLoss, HasSubstr(missing)));
  for (const auto& [name, info] : entries) {
    EXPECT_THAT(reader->ReadTensor(name), missing_file) << name;
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor dst, Tensor::Zeros(DataType::kFloat, {}));
  EXPECT_THAT(reader->ReadTensorInto("beta1_power", &dst), missing_file);
  const std::vector<Status> problems = reader->Verify();
  EXPECT_THAT(problems, ::testing::Not(IsEmpty()));
  for (const Status& s : problems) EXPECT_THAT(s, missing_file);
}

}  // namespace
}  // namespace tfckpt
