// The graph-level Saver: builds TF's save/restore subgraph, runs it in a
// Session, and leaves naming, state file and retention to CheckpointSaver.
#include "tfckpt/saver.h"

#include <algorithm>
#include <map>
#include <string_view>

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

// Adds "^dep" inputs sorted by name, the order TF's GraphDefs list control
// inputs in.
void AddControlInputs(NodeDef* node, std::vector<std::string> deps) {
  std::sort(deps.begin(), deps.end());
  for (const std::string& dep : deps) node->add_input("^" + dep);
}

// One variable to save under `key`.
struct Entry {
  std::string key;
  Variable variable;
  bool resource() const { return variable.node->op() == "VarHandleOp"; }
};

// Adds the saver's nodes with the names TF's Python layer gives them:
// Graph::UniqueName in the current name scope, so "save/Identity",
// "save/Identity_1", ... and inputs created inside their op's scope
// ("save/SaveV2_1/tensor_names").
class OpAdder {
 public:
  explicit OpAdder(Graph* graph) : graph_(graph) {}

  Graph* graph() const { return graph_; }

  // A node named after `base`, not yet added.
  NodeDef NewNode(std::string_view base, const std::string& op,
                  const std::string& device) {
    NodeDef node;
    node.set_name(graph_->UniqueName(base));
    node.set_op(op);
    node.set_device(device);
    return node;
  }

  // Adds the node; returns its name.
  StatusOr<std::string> Add(NodeDef node) {
    std::string name = node.name();
    TFCKPT_RETURN_IF_ERROR(graph_->AddNode(std::move(node)).status());
    return name;
  }

  StatusOr<std::string> AddConst(std::string_view base, const Tensor& value,
                                 const std::string& device) {
    NodeDef node = NewNode(base, "Const", device);
    SetType(&node, "dtype", value.dtype());
    internal::TensorToProto(value,
                            (*node.mutable_attr())["value"].mutable_tensor());
    return Add(std::move(node));
  }

  StatusOr<std::string> AddStrings(std::string_view base,
                                   const std::vector<std::string>& values,
                                   const std::string& device) {
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor t, Tensor::FromStrings(
                      TensorShape{static_cast<int64_t>(values.size())}, values));
    return AddConst(base, t, device);
  }

  StatusOr<std::string> AddScalar(std::string_view base, const std::string& s,
                                  const std::string& device) {
    TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::FromStrings(TensorShape{}, {s}));
    return AddConst(base, t, device);
  }

  StatusOr<std::string> AddInt32(std::string_view base, int32_t value,
                                 const std::string& device) {
    return AddConst(base, Tensor::Scalar(value), device);
  }

 private:
  Graph* graph_;
};

// Inside `scope` (a full name) until destroyed, as TF's `with name_scope`.
class NameScope {
 public:
  NameScope(Graph* graph, const std::string& scope) : graph_(graph) {
    graph_->EnterNameScope(scope + "/");
  }
  ~NameScope() { graph_->ExitNameScope(); }
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

 private:
  Graph* graph_;
};

// TF's saveable_object_util.set_cpu0: CPU 0 of the device's job, replica
// and task ("" gives "/device:CPU:0").
std::string CpuZeroOf(const std::string& device) {
  std::string cpu0;
  for (const std::string_view field : {"/job:", "/replica:", "/task:"}) {
    const size_t at = device.find(field);
    if (at == std::string::npos) continue;
    cpu0 += device.substr(at, device.find('/', at + 1) - at);
  }
  return cpu0 + "/device:CPU:0";
}

// What SaveV2 saves for an entry: the reference variable itself; for a
// resource variable the read its VariableDef names as snapshot (TF's
// _graph_element), else a new read.
StatusOr<std::string> TensorToSave(OpAdder* adder, const Entry& e) {
  if (!e.resource()) return e.variable.node->name();
  if (!e.variable.def.snapshot_name().empty()) {
    TFCKPT_ASSIGN_OR_RETURN(TensorId id,
                            ParseTensorId(e.variable.def.snapshot_name()));
    const Node* read = adder->graph()->FindNode(id.node);
    while (read != nullptr && read->op() != "ReadVariableOp" &&
           !read->data_inputs().empty()) {
      read = adder->graph()->FindNode(read->data_inputs()[0].node);
    }
    if (read != nullptr && read->op() == "ReadVariableOp") return read->name();
  }
  NodeDef read = adder->NewNode("Read/ReadVariableOp", "ReadVariableOp",
                                e.variable.node->device());
  read.add_input(e.variable.node->name());
  SetType(&read, "dtype", e.variable.dtype);
  return adder->Add(std::move(read));
}

AttrValue DtypesOf(const std::vector<Entry>& entries) {
  AttrValue dtypes;
  for (const Entry& e : entries) {
    dtypes.mutable_list()->add_type(
        static_cast<tensorflow::DataType>(e.variable.dtype));
  }
  return dtypes;
}

// The tensor_names and shape_and_slices inputs of SaveV2/RestoreV2, made in
// the op's scope.
Status AddNamesAndSlices(OpAdder* adder, const std::string& op_name,
                         const std::vector<Entry>& entries,
                         const std::string& device, NodeDef* op) {
  NameScope scope(adder->graph(), op_name);
  std::vector<std::string> keys;
  for (const Entry& e : entries) keys.push_back(e.key);
  TFCKPT_ASSIGN_OR_RETURN(std::string names,
                          adder->AddStrings("tensor_names", keys, device));
  TFCKPT_ASSIGN_OR_RETURN(
      std::string slices,
      adder->AddStrings("shape_and_slices",
                        std::vector<std::string>(entries.size()), device));
  op->add_input(names);
  op->add_input(slices);
  return OkStatus();
}

// TF's _AddSaveOps: SaveV2 of the entries to `filename`, then the filename
// passed on after it (control_dependency). Returns that Identity's name.
StatusOr<std::string> AddSaveOps(OpAdder* adder, const std::string& filename,
                                 const std::vector<Entry>& entries,
                                 const std::string& device) {
  NodeDef save = adder->NewNode("SaveV2", "SaveV2", device);
  save.add_input(filename);
  TFCKPT_RETURN_IF_ERROR(
      AddNamesAndSlices(adder, save.name(), entries, device, &save));
  for (const Entry& e : entries) {
    TFCKPT_ASSIGN_OR_RETURN(std::string tensor, TensorToSave(adder, e));
    save.add_input(tensor);
  }
  (*save.mutable_attr())["dtypes"] = DtypesOf(entries);
  TFCKPT_ASSIGN_OR_RETURN(std::string save_name, adder->Add(std::move(save)));

  NodeDef control = adder->NewNode("control_dependency", "Identity", device);
  control.add_input(filename);
  control.add_input("^" + save_name);
  SetType(&control, "T", DataType::kString);
  (*control.mutable_attr())["_class"].mutable_list()->add_s("loc:@" +
                                                            filename);
  return adder->Add(std::move(control));
}

// TF's control_flow_ops.group: one NoOp `name` after `deps` when they share
// a device (placed there), else one NoOp per device (sorted) grouped by
// `name`.
StatusOr<std::string> AddGroup(OpAdder* adder, std::string_view name,
                               const std::vector<std::string>& deps) {
  std::map<std::string, std::vector<std::string>> by_device;
  for (const std::string& dep : deps) {
    by_device[adder->graph()->FindNode(dep)->device()].push_back(dep);
  }
  const auto no_op = [adder](std::string_view base, const std::string& device,
                             const std::vector<std::string>& after) {
    NodeDef node = adder->NewNode(base, "NoOp", device);
    AddControlInputs(&node, after);
    return adder->Add(std::move(node));
  };
  if (by_device.size() == 1) {
    return no_op(name, by_device.begin()->first, deps);
  }
  const std::string group_name = adder->graph()->UniqueName(name);
  std::vector<std::string> per_device;
  {
    NameScope scope(adder->graph(), group_name);
    for (const auto& [device, device_deps] : by_device) {
      TFCKPT_ASSIGN_OR_RETURN(std::string op, no_op("NoOp", device, device_deps));
      per_device.push_back(op);
    }
  }
  NodeDef group;
  group.set_name(group_name);
  group.set_op("NoOp");
  AddControlInputs(&group, per_device);
  return adder->Add(std::move(group));
}

// TF's _AddRestoreOps: RestoreV2 on CPU 0 of `device`, one assignment per
// entry on the variable's device (through an Identity for resource
// variables) and a group `name` over them. Returns the group's name.
StatusOr<std::string> AddRestoreOps(OpAdder* adder, const std::string& filename,
                                    const std::vector<Entry>& entries,
                                    const std::string& device,
                                    std::string_view name) {
  const std::string cpu0 = CpuZeroOf(device);
  NodeDef restore = adder->NewNode("RestoreV2", "RestoreV2", cpu0);
  restore.add_input(filename);
  TFCKPT_RETURN_IF_ERROR(
      AddNamesAndSlices(adder, restore.name(), entries, cpu0, &restore));
  (*restore.mutable_attr())["dtypes"] = DtypesOf(entries);
  TFCKPT_ASSIGN_OR_RETURN(std::string restore_name,
                          adder->Add(std::move(restore)));

  std::vector<std::string> assigns;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string output =
        restore_name + (i == 0 ? "" : ":" + std::to_string(i));
    // Assignments run where the variable lives (TF colocates them).
    const std::string& var_device = e.variable.node->device();
    NodeDef assign;
    if (e.resource()) {
      NodeDef copy = adder->NewNode("Identity", "Identity", var_device);
      copy.add_input(output);
      SetType(&copy, "T", e.variable.dtype);
      TFCKPT_ASSIGN_OR_RETURN(std::string copied, adder->Add(std::move(copy)));
      assign = adder->NewNode("AssignVariableOp", "AssignVariableOp", var_device);
      assign.add_input(e.variable.node->name());
      assign.add_input(copied);
      SetType(&assign, "dtype", e.variable.dtype);
      (*assign.mutable_attr())["validate_shape"].set_b(false);
    } else {
      assign = adder->NewNode("Assign", "Assign", var_device);
      assign.add_input(e.variable.node->name());
      assign.add_input(output);
      SetType(&assign, "T", e.variable.dtype);
      (*assign.mutable_attr())["validate_shape"].set_b(true);
      (*assign.mutable_attr())["use_locking"].set_b(true);
      (*assign.mutable_attr())["_class"].mutable_list()->add_s(
          "loc:@" + e.variable.node->name());
    }
    TFCKPT_ASSIGN_OR_RETURN(std::string assigned, adder->Add(std::move(assign)));
    assigns.push_back(assigned);
  }
  return AddGroup(adder, name, assigns);
}

// TF's _AddShardedSaveOpsForV2: each device's entries go to
// "<filename>_temp/part-0000k-of-0000n" (".part" for s3://), then
// MergeV2Checkpoints joins them at `filename`. Returns the final Identity.
StatusOr<std::string> AddShardedSaveOps(
    OpAdder* adder, const std::string& filename,
    const std::map<std::string, std::vector<Entry>>& by_device) {
  const std::string any_cpu = "/device:CPU:*";
  NodeDef is_s3 = adder->NewNode("StaticRegexFullMatch", "StaticRegexFullMatch",
                                 any_cpu);
  is_s3.add_input(filename);
  (*is_s3.mutable_attr())["pattern"].set_s("^s3://.*");
  TFCKPT_ASSIGN_OR_RETURN(std::string is_s3_name, adder->Add(std::move(is_s3)));
  TFCKPT_ASSIGN_OR_RETURN(std::string s3_suffix,
                          adder->AddScalar("Const", ".part", any_cpu));
  TFCKPT_ASSIGN_OR_RETURN(std::string suffix,
                          adder->AddScalar("Const", "_temp/part", any_cpu));
  NodeDef select = adder->NewNode("Select", "Select", any_cpu);
  for (const std::string& in : {is_s3_name, s3_suffix, suffix}) {
    select.add_input(in);
  }
  SetType(&select, "T", DataType::kString);
  TFCKPT_ASSIGN_OR_RETURN(std::string selected, adder->Add(std::move(select)));
  NodeDef join = adder->NewNode("StringJoin", "StringJoin", any_cpu);
  join.add_input(filename);
  join.add_input(selected);
  (*join.mutable_attr())["N"].set_i(2);
  (*join.mutable_attr())["separator"].set_s("");
  TFCKPT_ASSIGN_OR_RETURN(std::string temp_prefix, adder->Add(std::move(join)));

  TFCKPT_ASSIGN_OR_RETURN(
      std::string num_shards,
      adder->AddInt32("num_shards", static_cast<int32_t>(by_device.size()), ""));
  std::vector<std::string> shard_prefixes;
  std::vector<std::string> shard_saves;
  std::string last_cpu0;
  int32_t shard = 0;
  for (const auto& [device, entries] : by_device) {
    last_cpu0 = CpuZeroOf(device);
    NodeDef sharded =
        adder->NewNode("ShardedFilename", "ShardedFilename", last_cpu0);
    sharded.add_input(temp_prefix);
    {
      NameScope scope(adder->graph(), sharded.name());
      TFCKPT_ASSIGN_OR_RETURN(std::string index,
                              adder->AddInt32("shard", shard++, last_cpu0));
      sharded.add_input(index);
    }
    sharded.add_input(num_shards);
    TFCKPT_ASSIGN_OR_RETURN(std::string prefix, adder->Add(std::move(sharded)));
    shard_prefixes.push_back(prefix);
    TFCKPT_ASSIGN_OR_RETURN(std::string saved,
                            AddSaveOps(adder, prefix, entries, last_cpu0));
    shard_saves.push_back(saved);
  }

  NodeDef merge =
      adder->NewNode("MergeV2Checkpoints", "MergeV2Checkpoints", last_cpu0);
  {
    NameScope scope(adder->graph(), merge.name());
    NodeDef pack = adder->NewNode("checkpoint_prefixes", "Pack", last_cpu0);
    for (const std::string& prefix : shard_prefixes) pack.add_input(prefix);
    AddControlInputs(&pack, shard_saves);
    (*pack.mutable_attr())["N"].set_i(static_cast<int64_t>(shard_prefixes.size()));
    SetType(&pack, "T", DataType::kString);
    (*pack.mutable_attr())["axis"].set_i(0);
    TFCKPT_ASSIGN_OR_RETURN(std::string packed, adder->Add(std::move(pack)));
    merge.add_input(packed);
  }
  merge.add_input(filename);
  (*merge.mutable_attr())["delete_old_dirs"].set_b(true);
  (*merge.mutable_attr())["allow_missing_files"].set_b(false);
  TFCKPT_ASSIGN_OR_RETURN(std::string merged, adder->Add(std::move(merge)));

  NodeDef done = adder->NewNode("Identity", "Identity", last_cpu0);
  done.add_input(filename);
  shard_saves.push_back(merged);
  AddControlInputs(&done, shard_saves);
  SetType(&done, "T", DataType::kString);
  return adder->Add(std::move(done));
}

// The name scope of a new saver: TF's unique scope, also skipping scopes
// that imported nodes use without having reserved the name ("save" from a
// .meta).
std::string FreeScope(Graph* graph, const std::string& name) {
  for (;;) {
    const std::string scope = graph->EnterNameScope(name);
    graph->ExitNameScope();
    bool taken = graph->FindNode(scope) != nullptr;
    for (int i = 0; i < graph->num_nodes() && !taken; ++i) {
      taken = graph->node(i).name().starts_with(scope + "/");
    }
    if (!taken) return scope;
  }
}

// Builds the save/restore ops of TF's BulkSaverBuilder (V2), sharded by
// device or not.
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
  const std::string scope_name = FreeScope(graph, options.name);
  NameScope scope(graph, scope_name);
  OpAdder adder(graph);

  // save/filename/input -> save/filename -> save/Const, the fed filename.
  std::string filename;
  for (const std::string_view base : {"filename", "Const"}) {
    NodeDef node = adder.NewNode(base, "PlaceholderWithDefault", "");
    if (filename.empty()) {
      NameScope input_scope(graph, node.name());
      TFCKPT_ASSIGN_OR_RETURN(filename,
                              adder.AddScalar("input", options.filename, ""));
    }
    node.add_input(filename);
    SetType(&node, "dtype", DataType::kString);
    (*node.mutable_attr())["shape"].mutable_shape();
    TFCKPT_ASSIGN_OR_RETURN(filename, adder.Add(std::move(node)));
  }

  tensorflow::SaverDef def;
  def.set_filename_tensor_name(filename + ":0");
  std::string save_tensor;
  std::string restore_op;
  if (options.sharded) {
    // One shard per device, in device order (TF's _GroupByDevices).
    std::map<std::string, std::vector<Entry>> by_device;
    for (Entry& e : entries) {
      by_device[e.variable.node->device()].push_back(std::move(e));
    }
    TFCKPT_ASSIGN_OR_RETURN(save_tensor,
                            AddShardedSaveOps(&adder, filename, by_device));
    std::vector<std::string> shard_restores;
    for (const auto& [device, device_entries] : by_device) {
      TFCKPT_ASSIGN_OR_RETURN(
          std::string restored,
          AddRestoreOps(&adder, filename, device_entries, device,
                        "restore_shard"));
      shard_restores.push_back(restored);
    }
    TFCKPT_ASSIGN_OR_RETURN(restore_op,
                            AddGroup(&adder, "restore_all", shard_restores));
  } else {
    TFCKPT_ASSIGN_OR_RETURN(save_tensor,
                            AddSaveOps(&adder, filename, entries, ""));
    TFCKPT_ASSIGN_OR_RETURN(
        restore_op, AddRestoreOps(&adder, filename, entries, "", "restore_all"));
  }
  def.set_save_tensor_name(save_tensor + ":0");
  def.set_restore_op_name(restore_op);
  def.set_max_to_keep(options.max_to_keep);
  def.set_keep_checkpoint_every_n_hours(
      static_cast<float>(options.keep_checkpoint_every_n_hours));
  def.set_sharded(options.sharded);
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
  save.latest_filename = options.latest_filename;
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
