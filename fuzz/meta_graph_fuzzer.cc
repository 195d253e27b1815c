// Fuzzes .meta files: parse (binary or text), import into a Graph, export
// to an in-memory file, and read that back. A graph that imports must
// export to a file that reads back to the same MetaGraphDef.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string; that output only slows fuzzing.
  static const bool kQuiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)kQuiet;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto meta_graph = tfckpt::ParseMetaGraph(bytes, "fuzz.meta");
  if (!meta_graph.ok()) return 0;
  tfckpt::Graph graph;
  auto imported = tfckpt::ImportMetaGraph(&graph, *meta_graph);
  if (!imported.ok()) return 0;

  tfckpt::fuzzing::MemFileSystem fs;
  tfckpt::ExportMetaGraphOptions options;
  options.file_system = &fs;
  if (imported->saver.has_value() && imported->saver->from_saver_def) {
    options.saver_def = imported->saver->saver_def;
  }
  auto exported = tfckpt::ExportMetaGraph(graph, "out/copy.meta", options);
  if (!exported.ok()) return 0;
  auto reread = tfckpt::ReadMetaGraphFile("out/copy.meta", {.file_system = &fs});
  if (!reread.ok()) {
    tfckpt::fuzzing::Fail("exported meta graph does not read back: " + reread.status().ToString());
  }
  // A NaN read back is the same NaN (a Const's float_val may hold one).
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  if (!differencer.Compare(*exported, *reread)) {
    tfckpt::fuzzing::Fail("exported meta graph reads back different");
  }
  return 0;
}
