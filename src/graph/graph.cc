#include "tfckpt/graph.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/graph/node_util.h"

namespace tfckpt {
namespace {

using tensorflow::GraphDef;
using tensorflow::NodeDef;
using tensorflow::OpDef;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool IsMerge(std::string_view op) { return op == "Merge" || op == "RefMerge"; }
bool IsNextIteration(std::string_view op) {
  return op == "NextIteration" || op == "RefNextIteration";
}

}  // namespace

// A node of a GraphDef on its way into the graph.
struct Graph::PendingNode {
  NodeDef def;
  const OpDef* op_def = nullptr;
  std::vector<TensorId> data_inputs;
  std::vector<std::string> control_inputs;
  std::vector<DataType> output_types;
  // Declared dtype of each data input; empty for an unknown op.
  std::vector<DataType> input_types;
};

const tensorflow::AttrValue* Node::FindAttr(std::string_view name) const {
  auto it = def_.attr().find(std::string(name));
  return it == def_.attr().end() ? nullptr : &it->second;
}

Graph::Graph(const OpRegistry* registry)
    : registry_(registry != nullptr ? registry : &OpRegistry::Default()) {
  shell_.mutable_versions()->set_producer(kGraphDefVersion);
}

Graph::~Graph() = default;

StatusOr<std::unique_ptr<Graph>> Graph::FromGraphDef(
    const GraphDef& graph_def, const OpRegistry* registry) {
  auto graph = std::make_unique<Graph>(registry);
  graph->shell_ = graph_def;
  graph->shell_.clear_node();
  ImportGraphDefOptions options;
  options.uniquify_names = false;
  options.add_default_attrs = false;
  TFCKPT_RETURN_IF_ERROR(graph->Import(graph_def, options));
  return graph;
}

GraphDef Graph::ToGraphDef() const {
  GraphDef out = shell_;
  out.mutable_node()->Reserve(num_nodes());
  for (const auto& node : nodes_) *out.add_node() = node->def_;
  return out;
}

Status Graph::CheckVersions(const tensorflow::VersionDef& versions) const {
  if (versions.min_consumer() > kGraphDefVersion) {
    return InvalidArgumentError(
        "GraphDef min consumer version " +
        std::to_string(versions.min_consumer()) + " above current version " +
        std::to_string(kGraphDefVersion) +
        " for TensorFlow. Please upgrade TensorFlow.");
  }
  for (int bad : versions.bad_consumers()) {
    if (bad == kGraphDefVersion) {
      return InvalidArgumentError(
          "GraphDef disallows consumer version " + std::to_string(bad) +
          ". Please upgrade TensorFlow: this version is likely buggy.");
    }
  }
  return OkStatus();
}

Status Graph::MergeLibrary(const tensorflow::FunctionDefLibrary& library) {
  std::map<std::string, const tensorflow::FunctionDef*> have;
  for (const auto& f : shell_.library().function()) {
    have[f.signature().name()] = &f;
  }
  std::vector<const tensorflow::FunctionDef*> add;
  for (const auto& f : library.function()) {
    auto it = have.find(f.signature().name());
    if (it == have.end()) {
      add.push_back(&f);
    } else if (internal::DeterministicBytes(*it->second) !=
               internal::DeterministicBytes(f)) {
      return InvalidArgumentError("Cannot add function '" +
                                  f.signature().name() +
                                  "' because a different function with the "
                                  "same name already exists.");
    }
  }
  std::set<std::pair<std::string, std::string>> grads;
  for (const auto& g : shell_.library().gradient()) {
    grads.emplace(g.function_name(), g.gradient_func());
  }
  for (const auto* f : add) *shell_.mutable_library()->add_function() = *f;
  for (const auto& g : library.gradient()) {
    if (grads.emplace(g.function_name(), g.gradient_func()).second) {
      *shell_.mutable_library()->add_gradient() = g;
    }
  }
  return OkStatus();
}

void Graph::AddProducerOps(const tensorflow::OpList& ops) {
  for (const OpDef& op : ops.op()) {
    if (registry_->Find(op.name()) == nullptr) producer_ops_.emplace(op.name(), op);
  }
}

const OpDef* Graph::FindOpDef(std::string_view op) const {
  if (const OpDef* def = registry_->Find(op)) return def;
  auto it = producer_ops_.find(op);
  return it == producer_ops_.end() ? nullptr : &it->second;
}

Status Graph::ValidateOps() const {
  for (const auto& node : nodes_) {
    if (node->op_def_ == nullptr) {
      return registry_->LookUp(node->op(), node->name()).status();
    }
  }
  return OkStatus();
}

bool Graph::NameOrPrefixInGraph(std::string_view name) const {
  return by_name_.contains(std::string(name)) || name_prefixes_.contains(name);
}

void Graph::MarkNameUsed(std::string_view name) {
  names_in_use_.try_emplace(internal::AsciiLower(name), 1);
}

Status Graph::Import(const GraphDef& graph_def,
                     const ImportGraphDefOptions& options,
                     ImportGraphDefResult* result) {
  if (graph_def.has_versions()) {
    TFCKPT_RETURN_IF_ERROR(CheckVersions(graph_def.versions()));
  }
  std::map<std::string, OpDef, std::less<>> producer;
  if (options.producer_op_list != nullptr) {
    for (const OpDef& op : options.producer_op_list->op()) {
      producer.emplace(op.name(), op);
    }
  }
  auto find_op = [&](std::string_view op) -> const OpDef* {
    if (const OpDef* def = FindOpDef(op)) return def;
    auto it = producer.find(op);
    return it == producer.end() ? nullptr : &it->second;
  };

  // Original names, checked, with their positions.
  std::unordered_map<std::string, size_t> index;
  const size_t n = static_cast<size_t>(graph_def.node_size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& name = graph_def.node(static_cast<int>(i)).name();
    if (!internal::IsValidNodeName(name)) {
      return InvalidArgumentError("Node " + Quote(name) +
                                  ": Node name contains invalid characters");
    }
    if (!index.emplace(name, i).second) {
      return InvalidArgumentError("Node name " + Quote(name) +
                                  " is not unique");
    }
  }

  // New names: under the prefix, then made unique against the graph.
  std::string relative = options.prefix;
  while (!relative.empty() && relative.back() == '/') relative.pop_back();
  std::string prefix;
  if (!relative.empty()) {
    if (!internal::IsValidNodeName(relative)) {
      return InvalidArgumentError("Import prefix " + Quote(relative) +
                                  " is not a valid name scope");
    }
    // The name scope TF's import enters: unique among used names.
    prefix = UniqueName(relative, /*mark_as_used=*/false);
  }
  std::set<std::string, std::less<>> planned;  // new names, in the gdef
  for (const NodeDef& node : graph_def.node()) {
    planned.insert(internal::PrependNameScope(node.name(), prefix));
  }
  std::vector<std::string> new_names(n);
  std::set<std::string, std::less<>> taken;  // new names handed out so far
  for (size_t i = 0; i < n; ++i) {
    const std::string base =
        internal::PrependNameScope(graph_def.node(static_cast<int>(i)).name(),
                                   prefix);
    std::string name = base;
    if (NameOrPrefixInGraph(name)) {
      if (!options.uniquify_names) {
        return InvalidArgumentError("Node " + Quote(name) +
                                    " already exists in the Graph");
      }
      for (int count = 1; NameOrPrefixInGraph(name) || taken.contains(name) ||
                          planned.contains(name);
           ++count) {
        name = base + "_" + std::to_string(count);
      }
    }
    taken.insert(name);
    new_names[i] = std::move(name);
  }

  // TF's input_map: imported inputs that read existing tensors instead.
  std::map<std::string, TensorId> input_map;  // canonical key ("x", "x:1", "^x")
  for (const auto& [key, value] : options.input_map) {
    TFCKPT_ASSIGN_OR_RETURN(TensorId from, ParseTensorId(key));
    TFCKPT_ASSIGN_OR_RETURN(TensorId to, ParseTensorId(value));
    if (from.is_control() != to.is_control()) {
      return InvalidArgumentError("input_map: " + Quote(key) + " and " + Quote(value) +
                                  " must both be tensors or both control inputs");
    }
    const Node* target = FindNode(to.node);
    if (target == nullptr) {
      return InvalidArgumentError("input_map: " + Quote(value) + " (for " + Quote(key) +
                                  ") is not in the graph");
    }
    if (!to.is_control() && target->op_def() != nullptr && to.index >= target->num_outputs()) {
      return InvalidArgumentError("input_map: " + Quote(value) + " (for " + Quote(key) +
                                  ") names output " + std::to_string(to.index) + " of " +
                                  to.node + ", which has " +
                                  std::to_string(target->num_outputs()) + " outputs");
    }
    input_map.emplace(from.ToString(), std::move(to));
  }
  std::set<std::string, std::less<>> mapped_keys_used;

  // Nodes with renamed inputs and op information.
  std::vector<PendingNode> pending(n);
  for (size_t i = 0; i < n; ++i) {
    PendingNode& p = pending[i];
    p.def = graph_def.node(static_cast<int>(i));
    p.def.set_name(new_names[i]);
    if (options.clear_devices) p.def.clear_device();
    for (int k = 0; k < p.def.input_size(); ++k) {
      auto id = ParseTensorId(p.def.input(k));
      if (!id.ok()) {
        return InvalidArgumentError("Node " + Quote(graph_def.node(static_cast<int>(i)).name()) +
                                    ": " + id.status().message());
      }
      if (auto mapped = input_map.find(id->ToString()); mapped != input_map.end()) {
        mapped_keys_used.insert(mapped->first);
        *id = mapped->second;
        p.def.set_input(k, id->ToString());
      } else {
        auto src = index.find(id->node);
        if (src == index.end()) {
          return InvalidArgumentError(
              "Node " + Quote(graph_def.node(static_cast<int>(i)).name()) +
              ": Unknown input node " + Quote(p.def.input(k)));
        }
        // Keep the input as written ("x:0" stays "x:0"), renamed.
        const std::string& input = p.def.input(k);
        const size_t lead = id->is_control() ? 1 : 0;
        const std::string suffix = input.substr(lead + id->node.size());
        id->node = new_names[src->second];
        p.def.set_input(k, (lead ? "^" : "") + id->node + suffix);
      }
      if (id->is_control()) {
        p.control_inputs.push_back(id->node);
      } else if (!p.control_inputs.empty()) {
        return InvalidArgumentError(
            "Node " + Quote(graph_def.node(static_cast<int>(i)).name()) +
            ": Control dependencies must come after regular dependencies");
      } else {
        p.data_inputs.push_back(*id);
      }
    }
    p.op_def = find_op(p.def.op());
    if (p.op_def != nullptr) {
      if (options.add_default_attrs) {
        internal::AddDefaultAttrs(*p.op_def, &p.def);
      }
      TFCKPT_RETURN_IF_ERROR(internal::ValidateNode(
          p.def, *p.op_def, static_cast<int>(p.data_inputs.size())));
      TFCKPT_ASSIGN_OR_RETURN(p.output_types,
                              internal::OutputTypes(p.def, *p.op_def));
      TFCKPT_ASSIGN_OR_RETURN(p.input_types, internal::InputTypes(p.def, *p.op_def));
    }
  }

  if (mapped_keys_used.size() < input_map.size()) {
    std::string unused;
    for (const auto& [key, target] : input_map) {
      if (mapped_keys_used.contains(key)) continue;
      const bool control = key.starts_with('^');
      unused += (unused.empty() ? "" : ", ") + key +
                (control || key.find(':') != std::string::npos ? "" : ":0");
    }
    return InvalidArgumentError(
        "Attempted to map inputs that were not found in graph_def: [" + unused + "]");
  }

  // Output indices in range, and no cycle except while-loop back edges.
  // Inputs mapped to existing nodes were checked above.
  std::unordered_map<std::string_view, size_t> new_index;
  for (size_t i = 0; i < n; ++i) new_index.emplace(new_names[i], i);
  std::vector<int> pending_inputs(n, 0);
  std::vector<std::vector<size_t>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    const PendingNode& p = pending[i];
    for (size_t k = 0; k < p.data_inputs.size(); ++k) {
      const TensorId& in = p.data_inputs[k];
      const auto found = new_index.find(in.node);
      const std::vector<DataType>& source_types =
          found == new_index.end() ? FindNode(in.node)->output_types()
                                   : pending[found->second].output_types;
      if (k < p.input_types.size() && static_cast<size_t>(in.index) < source_types.size()) {
        TFCKPT_RETURN_IF_ERROR(internal::CheckInputType(
            p.def.name(), k, in.node + ":" + std::to_string(in.index),
            source_types[static_cast<size_t>(in.index)], p.input_types[k]));
      }
      if (found == new_index.end()) continue;  // an existing node (input_map)
      const size_t src = found->second;
      const PendingNode& s = pending[src];
      if (s.op_def != nullptr &&
          in.index >= static_cast<int>(s.output_types.size())) {
        return InvalidArgumentError(
            "Node " + Quote(graph_def.node(static_cast<int>(i)).name()) +
            ": Connecting to invalid output " + std::to_string(in.index) +
            " of source node " + graph_def.node(static_cast<int>(src)).name() +
            " which has " + std::to_string(s.output_types.size()) +
            " outputs.");
      }
      if (IsMerge(p.def.op()) && IsNextIteration(s.def.op())) continue;
      ++pending_inputs[i];
      consumers[src].push_back(i);
    }
    for (const std::string& c : p.control_inputs) {
      const auto found = new_index.find(c);
      if (found == new_index.end()) continue;  // an existing node (input_map)
      ++pending_inputs[i];
      consumers[found->second].push_back(i);
    }
  }
  std::vector<size_t> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending_inputs[i] == 0) ready.push_back(i);
  }
  size_t processed = 0;
  while (!ready.empty()) {
    const size_t i = ready.back();
    ready.pop_back();
    ++processed;
    for (size_t c : consumers[i]) {
      if (--pending_inputs[c] == 0) ready.push_back(c);
    }
  }
  if (processed < n) {
    std::string some;
    for (size_t i = 0; i < n && some.empty(); ++i) {
      if (pending_inputs[i] > 0) some = graph_def.node(static_cast<int>(i)).name();
    }
    return InvalidArgumentError(
        "GraphDef contains a cycle: " + std::to_string(n - processed) +
        " nodes in a cycle or behind one (e.g. " + Quote(some) + ")");
  }

  // Everything checked: commit.
  TFCKPT_RETURN_IF_ERROR(MergeLibrary(graph_def.library()));
  if (graph_def.has_versions()) {
    const tensorflow::VersionDef& v = graph_def.versions();
    tensorflow::VersionDef* mine = shell_.mutable_versions();
    if (v.producer() < mine->producer()) mine->set_producer(v.producer());
    if (v.min_consumer() > mine->min_consumer()) {
      mine->set_min_consumer(v.min_consumer());
    }
    for (int bad : v.bad_consumers()) {
      if (std::find(mine->bad_consumers().begin(), mine->bad_consumers().end(),
                    bad) == mine->bad_consumers().end()) {
        mine->add_bad_consumers(bad);
      }
    }
  }
  if (options.producer_op_list != nullptr) {
    AddProducerOps(*options.producer_op_list);
  }
  if (!relative.empty()) UniqueName(relative);
  for (size_t i = 0; i < n; ++i) {
    PendingNode& p = pending[i];
    auto node = std::unique_ptr<Node>(new Node);
    node->id_ = num_nodes();
    node->def_ = std::move(p.def);
    // Point at the graph's copy: `producer` dies with this call.
    node->op_def_ = p.op_def == nullptr ? nullptr : FindOpDef(node->op());
    node->data_inputs_ = std::move(p.data_inputs);
    node->control_inputs_ = std::move(p.control_inputs);
    node->output_types_ = std::move(p.output_types);
    const std::string& name = node->name();
    for (size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      name_prefixes_.insert(name.substr(0, slash));
    }
    MarkNameUsed(name);
    by_name_.emplace(name, node.get());
    nodes_.push_back(std::move(node));
  }
  if (result != nullptr) {
    result->prefix = prefix;
    result->names.clear();
    for (size_t i = 0; i < n; ++i) {
      result->names.emplace(graph_def.node(static_cast<int>(i)).name(),
                            new_names[i]);
    }
  }
  return OkStatus();
}

StatusOr<const Node*> Graph::AddNode(NodeDef node_def) {
  const std::string name = node_def.name();
  if (!internal::IsValidNodeName(name)) {
    return InvalidArgumentError("Node " + Quote(name) +
                                ": Node name contains invalid characters");
  }
  if (by_name_.contains(name)) {
    return InvalidArgumentError("Node " + Quote(name) +
                                " already exists in the Graph");
  }
  auto node = std::unique_ptr<Node>(new Node);
  for (const std::string& input : node_def.input()) {
    TFCKPT_ASSIGN_OR_RETURN(TensorId id, ParseTensorId(input));
    const Node* src = FindNode(id.node);
    if (src == nullptr) {
      return InvalidArgumentError("Node " + Quote(name) +
                                  ": Unknown input node " + Quote(input));
    }
    if (id.is_control()) {
      node->control_inputs_.push_back(id.node);
      continue;
    }
    if (!node->control_inputs_.empty()) {
      return InvalidArgumentError(
          "Node " + Quote(name) +
          ": Control dependencies must come after regular dependencies");
    }
    if (src->op_def() != nullptr && id.index >= src->num_outputs()) {
      return InvalidArgumentError(
          "Node " + Quote(name) + ": Connecting to invalid output " +
          std::to_string(id.index) + " of source node " + src->name() +
          " which has " + std::to_string(src->num_outputs()) + " outputs.");
    }
    node->data_inputs_.push_back(std::move(id));
  }
  node->op_def_ = FindOpDef(node_def.op());
  if (node->op_def_ != nullptr) {
    TFCKPT_RETURN_IF_ERROR(internal::ValidateNode(
        node_def, *node->op_def_,
        static_cast<int>(node->data_inputs_.size())));
    TFCKPT_ASSIGN_OR_RETURN(node->output_types_,
                            internal::OutputTypes(node_def, *node->op_def_));
    TFCKPT_ASSIGN_OR_RETURN(const std::vector<DataType> input_types,
                            internal::InputTypes(node_def, *node->op_def_));
    for (size_t k = 0; k < node->data_inputs_.size() && k < input_types.size(); ++k) {
      const TensorId& in = node->data_inputs_[k];
      const std::vector<DataType>& source_types = FindNode(in.node)->output_types();
      if (static_cast<size_t>(in.index) >= source_types.size()) continue;
      TFCKPT_RETURN_IF_ERROR(internal::CheckInputType(
          name, k, in.node + ":" + std::to_string(in.index),
          source_types[static_cast<size_t>(in.index)], input_types[k]));
    }
  }
  node->id_ = num_nodes();
  node->def_ = std::move(node_def);
  for (size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    name_prefixes_.insert(name.substr(0, slash));
  }
  MarkNameUsed(name);
  // TF's Python API marks every op that becomes a control input of a new op
  // (control_dependencies, group); its GraphDefs carry the mark.
  for (const std::string& control : node->control_inputs_) {
    tensorflow::AttrValue mark;
    mark.set_b(true);
    (*by_name_.at(control)->def_.mutable_attr())["_has_manual_control_dependencies"] =
        std::move(mark);
  }
  Node* raw = node.get();
  by_name_.emplace(name, raw);
  nodes_.push_back(std::move(node));
  return static_cast<const Node*>(raw);
}

Status Graph::SetAttr(std::string_view node_name, const std::string& attr,
                      tensorflow::AttrValue value) {
  auto it = by_name_.find(std::string(node_name));
  if (it == by_name_.end()) {
    return NotFoundError("The name " + Quote(node_name) +
                         " refers to an Operation not in the graph.");
  }
  Node* node = it->second;
  // Input and output types were resolved when the node was added.
  if (const tensorflow::OpDef* op = node->op_def_) {
    for (const auto* args : {&op->input_arg(), &op->output_arg()}) {
      for (const tensorflow::OpDef::ArgDef& arg : *args) {
        if (arg.type_attr() == attr || arg.number_attr() == attr ||
            arg.type_list_attr() == attr) {
          return InvalidArgumentError("Node " + Quote(node->name()) + ": attr " +
                                      Quote(attr) +
                                      " decides its signature and cannot change");
        }
      }
    }
  }
  (*node->def_.mutable_attr())[attr] = std::move(value);
  return OkStatus();
}

const Node* Graph::FindNode(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

StatusOr<GraphElement> Graph::AsGraphElement(std::string_view name,
                                             bool allow_tensor,
                                             bool allow_operation) const {
  const std::string quoted = Quote(name);
  const size_t colon = name.find(':');
  if (colon != std::string_view::npos && allow_tensor) {
    const std::string_view op = name.substr(0, colon);
    const std::string_view digits = name.substr(colon + 1);
    int index = 0;
    const char* first = digits.data();
    if (!digits.empty() && digits[0] == '+') ++first;
    auto [end, ec] = std::from_chars(first, digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() ||
        end != digits.data() + digits.size() ||
        digits.find(':') != std::string_view::npos) {
      return InvalidArgumentError(
          "The name " + quoted +
          " looks a like a Tensor name, but is not a valid one. Tensor names "
          "must be of the form \"<op_name>:<output_index>\".");
    }
    const Node* node = FindNode(op);
    if (node == nullptr) {
      return NotFoundError("The name " + quoted +
                           " refers to a Tensor which does not exist. The "
                           "operation, " + Quote(op) +
                           ", does not exist in the graph.");
    }
    // Python indexing: -1 is the last output.
    const int outputs = node->num_outputs();
    if (index < 0 && node->op_def() != nullptr) index += outputs;
    if (index < 0 || (node->op_def() != nullptr && index >= outputs)) {
      return NotFoundError("The name " + quoted +
                           " refers to a Tensor which does not exist. The "
                           "operation, " + Quote(op) + ", exists but only has " +
                           std::to_string(std::max(outputs, 0)) + " outputs.");
    }
    return GraphElement{node, index};
  }
  if (colon != std::string_view::npos) {
    return InvalidArgumentError("Name " + quoted +
                                " appears to refer to a Tensor, not a "
                                "Operation.");
  }
  if (allow_operation) {
    const Node* node = FindNode(name);
    if (node == nullptr) {
      return NotFoundError("The name " + quoted +
                           " refers to an Operation not in the graph.");
    }
    return GraphElement{node, GraphElement::kOperation};
  }
  std::string message =
      FindNode(name) != nullptr
          ? "The name " + quoted + " refers to an Operation, not a Tensor."
          : "The name " + quoted +
                " looks like an (invalid) Operation name, not a Tensor.";
  return InvalidArgumentError(
      message +
      " Tensor names must be of the form \"<op_name>:<output_index>\".");
}

StatusOr<const Node*> Graph::GetOperationByName(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(GraphElement e,
                          AsGraphElement(name, /*allow_tensor=*/false,
                                         /*allow_operation=*/true));
  return e.node;
}

StatusOr<GraphElement> Graph::GetTensorByName(std::string_view name) const {
  return AsGraphElement(name, /*allow_tensor=*/true,
                        /*allow_operation=*/false);
}

std::string Graph::UniqueName(std::string_view name, bool mark_as_used) {
  std::string full = name_scope_.empty()
                         ? std::string(name)
                         : name_scope_ + "/" + std::string(name);
  std::string key = internal::AsciiLower(full);
  auto it = names_in_use_.find(key);
  int i = it == names_in_use_.end() ? 0 : it->second;
  if (mark_as_used) names_in_use_[key] = i + 1;
  if (i == 0) return full;
  const std::string base_key = key;
  while (names_in_use_.contains(key)) {
    key = base_key + "_" + std::to_string(i);
    ++i;
  }
  if (mark_as_used) names_in_use_[key] = 1;
  return full + "_" + std::to_string(i - 1);
}

std::string Graph::EnterNameScope(std::string_view name) {
  scope_stack_.push_back(name_scope_);
  if (name.empty()) {
    name_scope_.clear();
  } else if (name.back() == '/') {
    name_scope_ = std::string(name.substr(0, name.size() - 1));
  } else {
    name_scope_ = UniqueName(name);
  }
  return name_scope_;
}

void Graph::ExitNameScope() {
  if (scope_stack_.empty()) return;
  name_scope_ = std::move(scope_stack_.back());
  scope_stack_.pop_back();
}

}  // namespace tfckpt
