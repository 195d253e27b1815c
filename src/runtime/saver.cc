// The graph-level Saver: builds TF's save/restore subgraph, runs it in a
// Session, and leaves naming, state file and retention to CheckpointSaver.
#include "tfckpt/saver.h"

#include <algorithm>
#include <set>

#include "src/core/proto_conversions.h"
#include "src/runtime/op_kernel.h"
#include "tfckpt/checkpoint_state.h"

namespace tfckpt {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;

void SetType(NodeDef* node, const char* attr, DataType dtype) {
  (*node->mutable_attr())[attr].set_type(
      static_cast<tensorflow::DataType>(dtype));
}

StatusOr<const Node*> AddStringConst(Graph* graph, const std::string& name,
                                     const std::vector<std::string>& values,
                                     bool scalar) {
  NodeDef node;
  node.set_name(name);
  node.set_op("Const");
  SetType(&node, "dtype", DataType::kString);
  TensorShape shape =
      scalar ? TensorShape{} : TensorShape{static_cast<int64_t>(values.size())};
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::FromStrings(shape, values));
  internal::TensorToProto(t, (*node.mutable_attr())["value"].mutable_tensor());
  return graph->AddNode(std::move(node));
}

// One variable to save under `key`.
struct Entry {
  std::string key;
  Variable variable;
  bool resource() const { return variable.node->op() == "VarHandleOp"; }
};

// Builds the V2 non-sharded save/restore ops of TF's BulkSaverBuilder.
StatusOr<tensorflow::SaverDef> BuildSaveOps(Graph* graph,
                                            std::vector<Entry> entries,
                                            const SaverOptions& options) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].key == entries[i - 1].key) {
      return InvalidArgumentError(
          "The same saveable will be restored with two names: " +
          entries[i].key);
    }
  }
  // Imported nodes do not always reserve their scope's name ("save" from a
  // .meta), so skip scopes that nodes already use.
  std::string scope;
  for (;;) {
    scope = graph->EnterNameScope(options.name);
    graph->ExitNameScope();
    bool taken = graph->FindNode(scope) != nullptr;
    for (int i = 0; i < graph->num_nodes() && !taken; ++i) {
      taken = graph->node(i).name().starts_with(scope + "/");
    }
    if (!taken) break;
  }
  auto name = [&](const std::string& n) { return scope + "/" + n; };
  auto indexed = [&](const std::string& n, size_t i) {
    return i == 0 ? name(n) : name(n + "_" + std::to_string(i));
  };

  TFCKPT_RETURN_IF_ERROR(
      AddStringConst(graph, name("filename/input"), {options.filename}, true)
          .status());
  for (const auto& [node_name, input] :
       {std::pair<std::string, std::string>{"filename", "filename/input"},
        {"Const", "filename"}}) {
    NodeDef node;
    node.set_name(name(node_name));
    node.set_op("PlaceholderWithDefault");
    node.add_input(name(input));
    SetType(&node, "dtype", DataType::kString);
    (*node.mutable_attr())["shape"].mutable_shape();
    TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(node)).status());
  }
  std::vector<std::string> keys;
  for (const Entry& e : entries) keys.push_back(e.key);
  const std::vector<std::string> slices(entries.size());

  // What SaveV2 saves: the reference variable itself, or a read of the
  // resource variable.
  NodeDef save;
  save.set_name(name("SaveV2"));
  save.set_op("SaveV2");
  TFCKPT_RETURN_IF_ERROR(
      AddStringConst(graph, name("SaveV2/tensor_names"), keys, false).status());
  TFCKPT_RETURN_IF_ERROR(
      AddStringConst(graph, name("SaveV2/shape_and_slices"), slices, false)
          .status());
  save.add_input(name("Const"));
  save.add_input(name("SaveV2/tensor_names"));
  save.add_input(name("SaveV2/shape_and_slices"));
  AttrValue dtypes;
  size_t reads = 0;
  for (const Entry& e : entries) {
    dtypes.mutable_list()->add_type(
        static_cast<tensorflow::DataType>(e.variable.dtype));
    if (!e.resource()) {
      save.add_input(e.variable.node->name());
      continue;
    }
    NodeDef read;
    read.set_name(indexed("Read/ReadVariableOp", reads++));
    read.set_op("ReadVariableOp");
    read.add_input(e.variable.node->name());
    SetType(&read, "dtype", e.variable.dtype);
    save.add_input(read.name());
    TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(read)).status());
  }
  (*save.mutable_attr())["dtypes"] = dtypes;
  TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(save)).status());

  NodeDef control;
  control.set_name(name("control_dependency"));
  control.set_op("Identity");
  control.add_input(name("Const"));
  control.add_input("^" + name("SaveV2"));
  SetType(&control, "T", DataType::kString);
  (*control.mutable_attr())["_class"].mutable_list()->add_s("loc:@" +
                                                            name("Const"));
  TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(control)).status());

  TFCKPT_RETURN_IF_ERROR(
      AddStringConst(graph, name("RestoreV2/tensor_names"), keys, false)
          .status());
  TFCKPT_RETURN_IF_ERROR(
      AddStringConst(graph, name("RestoreV2/shape_and_slices"), slices, false)
          .status());
  NodeDef restore;
  restore.set_name(name("RestoreV2"));
  restore.set_op("RestoreV2");
  restore.set_device("/device:CPU:0");
  restore.add_input(name("Const"));
  restore.add_input(name("RestoreV2/tensor_names"));
  restore.add_input(name("RestoreV2/shape_and_slices"));
  (*restore.mutable_attr())["dtypes"] = dtypes;
  TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(restore)).status());

  NodeDef restore_all;
  restore_all.set_name(name("restore_all"));
  restore_all.set_op("NoOp");
  size_t assigns = 0, resource_assigns = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string output =
        name("RestoreV2") + (i == 0 ? "" : ":" + std::to_string(i));
    NodeDef assign;
    if (e.resource()) {
      assign.set_name(indexed("AssignVariableOp", resource_assigns++));
      assign.set_op("AssignVariableOp");
      SetType(&assign, "dtype", e.variable.dtype);
    } else {
      assign.set_name(indexed("Assign", assigns++));
      assign.set_op("Assign");
      SetType(&assign, "T", e.variable.dtype);
      (*assign.mutable_attr())["validate_shape"].set_b(true);
      (*assign.mutable_attr())["use_locking"].set_b(true);
      (*assign.mutable_attr())["_class"].mutable_list()->add_s(
          "loc:@" + e.variable.node->name());
    }
    assign.add_input(e.variable.node->name());
    assign.add_input(output);
    restore_all.add_input("^" + assign.name());
    TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(assign)).status());
  }
  TFCKPT_RETURN_IF_ERROR(graph->AddNode(std::move(restore_all)).status());

  tensorflow::SaverDef def;
  def.set_filename_tensor_name(name("Const:0"));
  def.set_save_tensor_name(name("control_dependency:0"));
  def.set_restore_op_name(name("restore_all"));
  def.set_max_to_keep(options.max_to_keep);
  def.set_keep_checkpoint_every_n_hours(
      static_cast<float>(options.keep_checkpoint_every_n_hours));
  def.set_sharded(false);
  def.set_version(tensorflow::SaverDef::V2);
  return def;
}

}  // namespace

struct Saver::Rep {
  const Graph* graph = nullptr;
  tensorflow::SaverDef def;
  SaverOptions options;
  std::unique_ptr<CheckpointSaver> checkpoints;
};

Saver::Saver(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Saver::~Saver() = default;

const tensorflow::SaverDef& Saver::saver_def() const { return rep_->def; }

StatusOr<std::unique_ptr<Saver>> Saver::FromSaverDef(
    const Graph* graph, const tensorflow::SaverDef& saver_def,
    SaverOptions options) {
  for (const std::string& tensor :
       {saver_def.filename_tensor_name(), saver_def.save_tensor_name()}) {
    TFCKPT_RETURN_IF_ERROR(graph->GetTensorByName(tensor).status());
  }
  TFCKPT_RETURN_IF_ERROR(
      graph->GetOperationByName(saver_def.restore_op_name()).status());
  auto rep = std::make_unique<Rep>();
  rep->graph = graph;
  rep->def = saver_def;
  CheckpointSaverOptions cs;
  cs.max_to_keep = saver_def.max_to_keep();
  cs.keep_checkpoint_every_n_hours = saver_def.keep_checkpoint_every_n_hours();
  if (!(cs.keep_checkpoint_every_n_hours > 0)) {
    cs.keep_checkpoint_every_n_hours = 10000.0;
  }
  cs.pad_step_number = options.pad_step_number;
  cs.save_relative_paths = options.save_relative_paths;
  cs.file_system = options.file_system;
  cs.clock = options.clock;
  TFCKPT_ASSIGN_OR_RETURN(rep->checkpoints, CheckpointSaver::Create(cs));
  rep->options = std::move(options);
  return std::unique_ptr<Saver>(new Saver(std::move(rep)));
}

StatusOr<std::unique_ptr<Saver>> Saver::Create(
    Graph* graph, const std::map<std::string, Variable>& variables,
    SaverOptions options) {
  if (variables.empty()) return InvalidArgumentError("No variables to save");
  std::vector<Entry> entries;
  for (const auto& [key, variable] : variables) {
    entries.push_back({key, variable});
  }
  TFCKPT_ASSIGN_OR_RETURN(tensorflow::SaverDef def,
                          BuildSaveOps(graph, std::move(entries), options));
  return FromSaverDef(graph, def, std::move(options));
}

StatusOr<std::unique_ptr<Saver>> Saver::Create(
    Graph* graph, const std::vector<Variable>& variables,
    SaverOptions options) {
  std::map<std::string, Variable> by_name;
  for (const Variable& v : variables) {
    if (!by_name.emplace(v.name(), v).second) {
      return InvalidArgumentError(
          "At least two variables have the same name: " + v.name());
    }
  }
  return Create(graph, by_name, std::move(options));
}

StatusOr<std::unique_ptr<Saver>> Saver::Create(Graph* graph,
                                               SaverOptions options) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<Variable> variables,
                          graph->GetVariables("variables"));
  return Create(graph, variables, std::move(options));
}

StatusOr<std::unique_ptr<Saver>> Saver::FromImported(
    Graph* graph, const ImportedSaver& imported, SaverOptions options) {
  if (imported.from_saver_def) {
    return FromSaverDef(graph, imported.saver_def, std::move(options));
  }
  options.max_to_keep = imported.saver_def.max_to_keep();
  if (imported.saver_def.keep_checkpoint_every_n_hours() > 0) {
    options.keep_checkpoint_every_n_hours =
        imported.saver_def.keep_checkpoint_every_n_hours();
  }
  return Create(graph, std::move(options));
}

StatusOr<std::string> Saver::Save(Session* session,
                                  const std::string& save_path,
                                  const SaverSaveOptions& options) {
  CheckpointSaver::SaveOptions save;
  save.global_step = options.global_step;
  save.write_state = options.write_state;
  save.write = [&](const std::string& prefix) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(Tensor name,
                            Tensor::FromStrings(TensorShape{}, {prefix}));
    return session
        ->Run({{rep_->def.filename_tensor_name(), name}},
              {rep_->def.save_tensor_name()}, {})
        .status();
  };
  if (options.latest_filename != kDefaultLatestFilename) {
    return UnimplementedError(
        "Saver::Save with a latest_filename other than 'checkpoint'");
  }
  TFCKPT_ASSIGN_OR_RETURN(std::string prefix,
                          rep_->checkpoints->Save({}, save_path, save));
  if (options.write_meta_graph) {
    ExportMetaGraphOptions meta;
    meta.saver_def = rep_->def;
    meta.strip_default_attrs = options.strip_default_attrs;
    meta.file_system = rep_->options.file_system;
    TFCKPT_RETURN_IF_ERROR(
        ExportMetaGraph(*rep_->graph,
                        MetaGraphFilename(prefix, options.meta_graph_suffix),
                        meta)
            .status());
  }
  return prefix;
}

Status Saver::Restore(Session* session, const std::string& prefix) {
  if (!CheckpointExists(prefix, rep_->options.file_system)) {
    return InvalidArgumentError(
        "The passed save_path is not a valid checkpoint: " + prefix);
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor name,
                          Tensor::FromStrings(TensorShape{}, {prefix}));
  Status s = session
                 ->Run({{rep_->def.filename_tensor_name(), name}}, {},
                       {rep_->def.restore_op_name()})
                 .status();
  if (s.code() == StatusCode::kNotFound) {
    return Status(s.code(),
                  "Restoring from checkpoint failed. This is most likely due "
                  "to a Variable name or other graph key that is missing from "
                  "the checkpoint. Please ensure that you have not altered "
                  "the graph expected based on the checkpoint. Original "
                  "error:\n\n" + s.message());
  }
  if (s.code() == StatusCode::kInvalidArgument) {
    return Status(s.code(),
                  "Restoring from checkpoint failed. This is most likely due "
                  "to a mismatch between the current graph and the graph from "
                  "the checkpoint. Please ensure that you have not altered "
                  "the graph expected based on the checkpoint. Original "
                  "error:\n\n" + s.message());
  }
  return s;
}

std::vector<std::string> Saver::last_checkpoints() const {
  return rep_->checkpoints->last_checkpoints();
}

void Saver::RecoverLastCheckpoints(const std::vector<std::string>& prefixes) {
  rep_->checkpoints->RecoverLastCheckpoints(prefixes);
}

}  // namespace tfckpt
