// TF2 object graphs: the real TF 2.10 Keras SavedModel's variables, and
// malformed graphs.
#include <string>

#include "tests/testing/testing.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/object_graph.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TfRealPath;

// TF's escaping of one path component in checkpoint keys.
std::string Escape(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c == '.') {
      out += "..";
    } else if (c == '/') {
      out += ".S";
    } else {
      out += c;
    }
  }
  return out;
}

TEST(ObjectGraphTest, RealKerasSavedModelVariables) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      auto reader, CheckpointReader::Open(TfRealPath("tf2.10-savedmodel/variables/variables")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<ObjectGraph> graph, ReadObjectGraph(*reader));
  ASSERT_TRUE(graph.has_value());
  ASSERT_FALSE(graph->nodes.empty());
  EXPECT_EQ(graph->nodes[0].path, "");
  int variables = 0;
  for (const ObjectNode& node : graph->nodes) {
    for (const ObjectNode::Attribute& a : node.attributes) {
      // Every attribute's key is in the bundle, and a node reached from the
      // root is keyed by its escaped path.
      EXPECT_TRUE(reader->Contains(a.checkpoint_key)) << a.checkpoint_key;
      ASSERT_TRUE(node.path.has_value()) << node.id;
      ++variables;
      if (node.is_slot) {
        EXPECT_THAT(a.checkpoint_key, HasSubstr("/.OPTIMIZER_SLOT/"));
        continue;
      }
      std::string expected;
      size_t start = 0;
      while (start <= node.path->size()) {
        const size_t slash = std::min(node.path->find('/', start), node.path->size());
        expected += (expected.empty() ? "" : "/") + Escape(node.path->substr(start, slash - start));
        start = slash + 1;
      }
      EXPECT_EQ(a.checkpoint_key, expected + "/.ATTRIBUTES/" + a.name);
    }
  }
  // Every tensor but the graph itself belongs to some object.
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, reader->ListEntries());
  EXPECT_EQ(variables + 1, static_cast<int>(entries.size()));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<int64_t> counter, ReadSaveCounter(*reader));
  EXPECT_FALSE(counter.has_value());  // a SavedModel, not a tf.train.Checkpoint
}

TEST(ObjectGraphTest, NameBasedCheckpointHasNone) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader,
                              CheckpointReader::Open(TfRealPath("tf1.2-linear/smovetf.ckpt")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<ObjectGraph> graph, ReadObjectGraph(*reader));
  EXPECT_FALSE(graph.has_value());
}

TEST(ObjectGraphTest, RejectsMalformedGraphs) {
  EXPECT_THAT(ParseObjectGraph("\xff\xff", "x"), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(ParseObjectGraph("", "x"), StatusIs(StatusCode::kDataLoss, HasSubstr("root")));
  tensorflow::TrackableObjectGraph proto;
  auto* child = proto.add_nodes()->add_children();
  child->set_node_id(5);
  child->set_local_name("a");
  EXPECT_THAT(ParseObjectGraph(proto.SerializeAsString(), "x"),
              StatusIs(StatusCode::kDataLoss, HasSubstr("node 5")));
  proto.mutable_nodes(0)->mutable_children(0)->set_node_id(1);
  proto.add_nodes()->add_slot_variables()->set_slot_variable_node_id(-1);
  EXPECT_THAT(ParseObjectGraph(proto.SerializeAsString(), "x"),
              StatusIs(StatusCode::kDataLoss, HasSubstr("slot")));
  proto.mutable_nodes(1)->mutable_slot_variables(0)->set_slot_variable_node_id(0);
  TFCKPT_ASSERT_OK_AND_ASSIGN(ObjectGraph graph, ParseObjectGraph(proto.SerializeAsString(), "x"));
  EXPECT_EQ(graph.nodes[1].path, "a");
}

}  // namespace
}  // namespace tfckpt
