// MetaGraphDef files (".meta", and the meta graphs inside saved_model.pb):
// reading and writing them, and tf.compat.v1.train.import_meta_graph /
// export_meta_graph semantics on a Graph.
//
//   Graph graph;
//   TFCKPT_ASSIGN_OR_RETURN(ImportMetaGraphResult imported,
//                           ImportMetaGraph(&graph, "model-1000.meta"));
//   // imported.saver->saver_def.restore_op_name == "save/restore_all"
//   ExportMetaGraphOptions options;
//   options.saver_def = imported.saver->saver_def;
//   TFCKPT_RETURN_IF_ERROR(ExportMetaGraph(graph, "copy.meta", options));
//
// Parsing is bounded: files larger than the limit give RESOURCE_EXHAUSTED,
// nesting deeper than the recursion limit and garbage give DATA_LOSS; the
// process never crashes on bad input. The graph layer builds no save ops:
// when a meta graph has variables but no SaverDef, the result only says
// that a default Saver is wanted.
//
// Thread safety: the functions are thread-compatible (a Graph needs outside
// synchronization while it is imported into).
#ifndef TFCKPT_META_GRAPH_H_
#define TFCKPT_META_GRAPH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/protobuf/saved_model.pb.h"
#include "tensorflow/core/protobuf/saver.pb.h"
#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

// The TensorFlow release whose meta graphs tfckpt writes (MetaInfoDef's
// tensorflow_version) and the git version string written beside it.
inline constexpr std::string_view kCompatibleTensorFlowVersion = "2.21.0";
inline constexpr std::string_view kTensorFlowGitVersion = "tfckpt";

struct ParseOptions {
  // Larger inputs give RESOURCE_EXHAUSTED. Protobuf cannot go past 2 GiB.
  uint64_t max_bytes = uint64_t{1} << 31;
  // Nesting depth of messages (AttrValue lists of functions, ...).
  int recursion_limit = 100;
  // nullptr means FileSystem::Default().
  FileSystem* file_system = nullptr;
};

// A MetaGraphDef from binary bytes or, failing that, text format (as TF's
// read_meta_graph_file). DATA_LOSS "Cannot parse file <what>: ..." when it
// is neither.
StatusOr<tensorflow::MetaGraphDef> ParseMetaGraph(std::string_view bytes,
                                                  std::string_view what,
                                                  const ParseOptions& options = {});
// NOT_FOUND "File does not exist. Received: <path>." for a missing file.
StatusOr<tensorflow::MetaGraphDef> ReadMetaGraphFile(
    const std::string& path, const ParseOptions& options = {});
// saved_model.pb (binary) or saved_model.pbtxt (text).
StatusOr<tensorflow::SavedModel> ReadSavedModelFile(
    const std::string& path, const ParseOptions& options = {});

struct ImportMetaGraphOptions {
  bool clear_devices = false;
  // Name scope for every imported name ("net" -> "net/w1"); made unique when
  // taken. Checkpoint keys inside the graph's constants are not changed.
  std::string import_scope;
  // TF's input_map: imported inputs read existing tensors instead (see
  // ImportGraphDefOptions::input_map); also how a meta graph exported with
  // an export_scope gets its "$unbound_inputs_..." bound.
  std::map<std::string, std::string> input_map;
  // Collections whose key this returns false for are not restored; empty
  // means all.
  std::function<bool(std::string_view)> restore_collection;
  ParseOptions parse;
};

// What a caller needs to build the Saver TF's import_meta_graph returns.
struct ImportedSaver {
  // True: the meta graph had a SaverDef; `saver_def` is it with names moved
  // into the import scope, max_to_keep and keep_checkpoint_every_n_hours as
  // saved. False: it had none but has variables: build a default Saver
  // (its policy is in `saver_def`, names empty) over all graph variables.
  bool from_saver_def = false;
  tensorflow::SaverDef saver_def;
  // The name scope the saver's ops are in (the import scope actually used).
  std::string scope;
};

struct ImportMetaGraphResult {
  // Absent when there is neither a SaverDef nor a variable ("Saver not
  // created because there are no variables in the graph to restore").
  std::optional<ImportedSaver> saver;
  // The import scope actually used ("net_1" when "net" was taken).
  std::string scope;
  // Imported global variables keyed by name without the scope ("w1:0").
  std::map<std::string, Variable> variables;
  // Original node name -> name in the graph.
  std::map<std::string, std::string> names;
  tensorflow::MetaGraphDef::MetaInfoDef meta_info_def;
  std::map<std::string, tensorflow::SignatureDef> signature_defs;
  std::vector<tensorflow::AssetFileDef> asset_file_defs;
  // Collections skipped, as TF logs them ("Cannot identify data type for
  // collection KEY. Skipping.").
  std::vector<std::string> warnings;
};

// Adds the meta graph's nodes to `graph` and rebuilds its collections (TF's
// import_meta_graph). Errors: as ReadMetaGraphFile and Graph::Import;
// INVALID_ARGUMENT "Graph contains unbound inputs: ..." when the meta graph
// was exported with inputs outside its scope; INVALID_ARGUMENT when a
// node_list entry or a VariableDef does not resolve or a registered proto
// collection does not parse. `graph` may hold nodes already; on error it may
// hold the imported nodes without the collections.
StatusOr<ImportMetaGraphResult> ImportMetaGraph(
    Graph* graph, const std::string& path,
    const ImportMetaGraphOptions& options = {});
StatusOr<ImportMetaGraphResult> ImportMetaGraph(
    Graph* graph, const tensorflow::MetaGraphDef& meta_graph,
    const ImportMetaGraphOptions& options = {});

struct ExportMetaGraphOptions {
  bool clear_devices = false;
  // Keeps only nodes and collection entries under this scope and strips it;
  // inputs from outside become "$unbound_inputs_<name>", listed in the
  // "unbound_inputs" collection.
  std::string export_scope;
  // Write text format instead of binary.
  bool as_text = false;
  // TF's as_graph_def(add_shapes=True), which export_meta_graph uses: every
  // node with outputs gets an "_output_shapes" attr, its recorded one when it
  // has one, else the shapes inferred from its inputs (unknown where no
  // shape function can tell).
  bool add_shapes = true;
  // Removes attrs whose value equals their OpDef default and sets
  // stripped_default_attrs.
  bool strip_default_attrs = false;
  std::optional<tensorflow::SaverDef> saver_def;
  // TF's clear_extraneous_savers: leaves out the nodes of every saver's name
  // scope but saver_def's (all savers' without a saver_def), the node_list
  // entries naming them and the "savers" entries using them.
  bool clear_extraneous_savers = false;
  // Collections to write; absent means all.
  std::optional<std::vector<std::string>> collection_list;
  // Copied into the MetaInfoDef (tags, any_info, meta_graph_version, ...);
  // the versions and stripped_op_list are set by the export.
  tensorflow::MetaGraphDef::MetaInfoDef meta_info_def;
  std::map<std::string, tensorflow::SignatureDef> signature_defs;
  std::vector<tensorflow::AssetFileDef> asset_file_defs;
  std::string tensorflow_version{kCompatibleTensorFlowVersion};
  std::string tensorflow_git_version{kTensorFlowGitVersion};
  // nullptr means FileSystem::Default().
  FileSystem* file_system = nullptr;
};

// The MetaGraphDef export_meta_graph would write. INVALID_ARGUMENT
// "GraphDef cannot be larger than 2GB. Received size: N." when it would not
// fit a protobuf.
StatusOr<tensorflow::MetaGraphDef> CreateMetaGraphDef(
    const Graph& graph, const ExportMetaGraphOptions& options = {});

// CreateMetaGraphDef, then writes it to `path` atomically (temporary file,
// rename), creating the parent directory (one level) when missing.
StatusOr<tensorflow::MetaGraphDef> ExportMetaGraph(
    const Graph& graph, const std::string& path,
    const ExportMetaGraphOptions& options = {});

// Writes any MetaGraphDef the same way (binary deterministic, or text).
Status WriteMetaGraphFile(const tensorflow::MetaGraphDef& meta_graph,
                          const std::string& path, bool as_text,
                          FileSystem* file_system = nullptr);

}  // namespace tfckpt

#endif  // TFCKPT_META_GRAPH_H_
