// Fuzzes TF2 object graphs: the input is a serialized TrackableObjectGraph.
// It is parsed directly, then stored as _CHECKPOINTABLE_OBJECT_GRAPH in an
// in-memory bundle and read back through ReadObjectGraph. Both ways must
// agree, and a parsed graph must hold what ParseObjectGraph promises:
// the root at path "", node ids in range, slot variables named through
// their optimizer.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/object_graph.h"

namespace {

using tfckpt::ObjectGraph;
using tfckpt::ObjectNode;
using tfckpt::fuzzing::Fail;

void CheckGraph(const ObjectGraph& graph) {
  const size_t n = graph.nodes.size();
  if (n == 0 || n != static_cast<size_t>(graph.proto.nodes_size())) Fail("node count differs");
  if (graph.nodes[0].path != std::optional<std::string>("")) Fail("the root's path is not \"\"");
  for (size_t id = 0; id < n; ++id) {
    const ObjectNode& node = graph.nodes[id];
    if (node.id != static_cast<int>(id)) Fail("node id differs from its index");
    for (const ObjectNode::Child& child : node.children) {
      if (child.node_id < 0 || static_cast<size_t>(child.node_id) >= n) Fail("child out of range");
      // A child of a reached node is reached too (breadth-first walk).
      if (node.path.has_value() && !graph.nodes[static_cast<size_t>(child.node_id)].path) {
        Fail("a child of a reached node has no path");
      }
    }
    if (node.is_slot && (!node.path || node.path->find("/.OPTIMIZER_SLOT/") == std::string::npos)) {
      Fail("a slot variable is not named through its optimizer");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string; that output only slows fuzzing.
  static const bool kQuiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)kQuiet;
  const std::string serialized(reinterpret_cast<const char*>(data), size);
  auto parsed = tfckpt::ParseObjectGraph(serialized, "fuzz");
  if (parsed.ok()) CheckGraph(*parsed);

  tfckpt::fuzzing::MemFileSystem fs;
  auto writer = tfckpt::BundleWriter::Create("fuzz/ckpt-1", {.file_system = &fs});
  if (!writer.ok()) Fail("BundleWriter::Create: " + writer.status().ToString());
  auto value = tfckpt::Tensor::FromStrings({}, {serialized});
  if (!value.ok()) Fail("FromStrings: " + value.status().ToString());
  if (!(*writer)->Add(std::string(tfckpt::kObjectGraphKey), *value).ok() ||
      !(*writer)->Finish().ok()) {
    Fail("writing the object graph bundle failed");
  }
  auto reader = tfckpt::CheckpointReader::Open("fuzz/ckpt-1", {.file_system = &fs});
  if (!reader.ok()) Fail("the bundle just written does not open: " + reader.status().ToString());
  auto read = tfckpt::ReadObjectGraph(**reader);
  if (read.ok() != parsed.ok()) Fail("ReadObjectGraph and ParseObjectGraph disagree");
  if (read.ok() && (!read->has_value() || (*read)->nodes.size() != parsed->nodes.size())) {
    Fail("ReadObjectGraph read a different graph");
  }
  return 0;
}
