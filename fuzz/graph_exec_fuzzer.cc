// Fuzzes graph execution: the input is a .meta file (binary or text
// MetaGraphDef), so node attrs, shapes, dtypes and constants are all
// attacker-controlled. The graph is imported and every node (the first
// kMaxNodesRun) is run on its own in a single-threaded Session whose file
// system is in memory. Errors are expected; a node that runs must return
// tensors of the dtype its op declares.
//
// Small limits: under ASan, one allocation is at most 64 MiB and a larger
// one returns nullptr (see __asan_default_options), which tensor allocation
// turns into RESOURCE_EXHAUSTED; a graph asking for more fails cleanly
// instead of tripping libFuzzer's memory limit. Other allocations (new)
// still abort on failure, so an unchecked size elsewhere is still found.
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/session.h"

extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

namespace {

// Each node run re-runs its inputs, so the work grows with the square of
// the node count; real seeds have a few dozen nodes.
constexpr int kMaxNodesRun = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string; that output only slows fuzzing.
  static const bool kQuiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)kQuiet;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto meta_graph = tfckpt::ParseMetaGraph(bytes, "fuzz.meta");
  if (!meta_graph.ok()) return 0;
  tfckpt::Graph graph;
  if (!tfckpt::ImportMetaGraph(&graph, *meta_graph).ok()) return 0;

  tfckpt::fuzzing::MemFileSystem fs;
  auto session = tfckpt::Session::Create(
      &graph, {.inter_op_threads = 1, .intra_op_threads = 1, .file_system = &fs});
  if (!session.ok()) return 0;
  const int nodes = std::min(graph.num_nodes(), kMaxNodesRun);
  for (int id = 0; id < nodes; ++id) {
    const tfckpt::Node& node = graph.node(id);
    if (node.num_outputs() <= 0) {
      (void)(*session)->Run({}, {}, {node.name()});
      continue;
    }
    auto outputs = (*session)->Run({}, {node.name() + ":0"}, {});
    if (!outputs.ok()) continue;
    if (outputs->size() != 1) tfckpt::fuzzing::Fail("one fetch gave another count of tensors");
    if ((*outputs)[0].dtype() != node.output_types()[0]) {
      tfckpt::fuzzing::Fail("node '" + node.name() + "' (" + node.op() +
                            ") returned a tensor of another dtype than its op declares");
    }
  }
  return 0;
}
