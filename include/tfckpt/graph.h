// Graph: a TensorFlow graph as tfckpt models it. Nodes (operations) keep
// their NodeDef (op type, attrs as tensorflow::AttrValue, device, data and
// control inputs), in the order they were added; tensors are named
// "op:index". A graph also holds the function library, the GraphDef versions
// and the named collections of a MetaGraphDef.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto graph, Graph::FromGraphDef(graph_def));
//   TFCKPT_ASSIGN_OR_RETURN(GraphElement w1, graph->GetTensorByName("w1:0"));
//   tensorflow::GraphDef same = graph->ToGraphDef();  // lossless
//
// Ops are looked up in an OpRegistry (OpRegistry::Default() unless given),
// then in OpDefs the graph was given with a file (a MetaGraphDef's
// stripped_op_list). Nodes of ops known neither way are kept as data: their
// output count is unknown (-1) and ValidateOps() reports them.
//
// Names follow TensorFlow: node names match [A-Za-z0-9.][A-Za-z0-9_.\-/>]*,
// "a/b" lives in name scope "a", and UniqueName("w1") returns "w1", "w1_1",
// "w1_2", ... (case-insensitively unique, as TF's Python graph does).
//
// Thread safety: const methods may be called concurrently; anything that
// changes the graph needs outside synchronization. Node pointers stay valid
// for the life of the graph.
#ifndef TFCKPT_GRAPH_H_
#define TFCKPT_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/op_def.pb.h"
#include "tensorflow/core/framework/variable.pb.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tfckpt/dtype.h"
#include "tfckpt/op_registry.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

// One NodeDef input: "x" (output 0 of x), "x:3", or "^x" (control).
struct TensorId {
  static constexpr int kControlSlot = -1;

  std::string node;
  int index = 0;

  bool is_control() const { return index == kControlSlot; }
  // "x" for output 0, "x:3", "^x".
  std::string ToString() const;
  friend bool operator==(const TensorId&, const TensorId&) = default;
};

// Parses a NodeDef input. INVALID_ARGUMENT for an empty node name or an
// index that is not a non-negative decimal number.
StatusOr<TensorId> ParseTensorId(std::string_view input);

class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Position in the graph's node order.
  int id() const { return id_; }
  const std::string& name() const { return def_.name(); }
  const std::string& op() const { return def_.op(); }
  const std::string& device() const { return def_.device(); }
  const tensorflow::NodeDef& def() const { return def_; }

  // Data inputs in order, then control inputs (node names without '^').
  const std::vector<TensorId>& data_inputs() const { return data_inputs_; }
  const std::vector<std::string>& control_inputs() const {
    return control_inputs_;
  }

  // nullptr when the node has no attr `name`.
  const tensorflow::AttrValue* FindAttr(std::string_view name) const;

  // The op's definition; nullptr for an op the graph does not know.
  const tensorflow::OpDef* op_def() const { return op_def_; }
  // Number of outputs; -1 when the op is unknown.
  int num_outputs() const {
    return op_def_ == nullptr ? -1 : static_cast<int>(output_types_.size());
  }
  // Output dtypes (reference outputs have their base dtype); empty for an
  // unknown op.
  const std::vector<DataType>& output_types() const { return output_types_; }

 private:
  friend class Graph;
  Node() = default;

  int id_ = 0;
  tensorflow::NodeDef def_;
  const tensorflow::OpDef* op_def_ = nullptr;
  std::vector<TensorId> data_inputs_;
  std::vector<std::string> control_inputs_;
  std::vector<DataType> output_types_;
};

// An operation, or one output tensor of an operation.
struct GraphElement {
  static constexpr int kOperation = -1;

  const Node* node = nullptr;
  int index = kOperation;

  bool is_tensor() const { return index != kOperation; }
  // "op" or "op:index".
  std::string name() const;
};

// A TF1 variable as a VariableDef describes it, resolved in a graph.
struct Variable {
  // Names in the graph's namespace ("w1:0", "w1/Assign", ...).
  tensorflow::VariableDef def;
  // The variable op (VariableV2, VarHandleOp, ...).
  const Node* node = nullptr;
  DataType dtype = DataType::kInvalid;
  // From the op's "shape" attr; unknown_rank when it has none.
  tensorflow::TensorShapeProto shape;

  // The op name, which is also the default checkpoint key ("w1").
  const std::string& name() const { return node->name(); }
};

// Options for adding the nodes of a GraphDef to a graph.
struct ImportGraphDefOptions {
  // Prefixes every node name and input ("net/w1"). When the scope is taken
  // (by a node or an earlier scope), a unique one is used ("net_1").
  std::string prefix;
  // Renames nodes whose names are taken ("w1" -> "w1_1") and rewires the
  // inputs that refer to them, as TF's importer does.
  bool uniquify_names = true;
  bool clear_devices = false;
  // Adds the OpDef default of every attr a node of a known op lacks.
  bool add_default_attrs = true;
  // TF's input_map: an imported node's input naming a key ("x:0", "x" for
  // "x:0", or "^x") reads the existing tensor the key maps to ("y:0", or
  // "^y" for a control input) instead. Keys use the names in the GraphDef,
  // without the prefix; every key must be used by some input.
  std::map<std::string, std::string> input_map;
  // OpDefs of the producer (a MetaGraphDef's stripped_op_list): used for ops
  // the registry does not have.
  const tensorflow::OpList* producer_op_list = nullptr;
};

struct ImportGraphDefResult {
  // The prefix actually used (empty without one).
  std::string prefix;
  // Original node name -> name in the graph, for every imported node.
  std::map<std::string, std::string> names;
};

class Graph {
 public:
  // TF_GRAPH_DEF_VERSION of the TensorFlow release tfckpt follows: the
  // producer version a new graph records.
  static constexpr int kGraphDefVersion = 2474;

  // An empty graph that looks ops up in `registry` (must outlive the graph;
  // nullptr means OpRegistry::Default()).
  explicit Graph(const OpRegistry* registry = nullptr);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // A graph holding exactly `graph_def`: node order, attrs, devices, the
  // library, versions and unknown fields are kept, and ToGraphDef() gives
  // back an equal GraphDef. Nodes may be listed in any order; errors as
  // Import() (no attrs are added).
  static StatusOr<std::unique_ptr<Graph>> FromGraphDef(
      const tensorflow::GraphDef& graph_def,
      const OpRegistry* registry = nullptr);

  // Every node in order, plus the library, versions and other GraphDef
  // fields.
  tensorflow::GraphDef ToGraphDef() const;

  // Adds the nodes of `graph_def` (TF's import_graph_def). INVALID_ARGUMENT
  // for an empty, invalid or duplicate node name, an input naming a node
  // that is not in `graph_def` or an output it does not have, data inputs
  // after control inputs, an input_map key no input uses or a value not in
  // the graph, a cycle (other than a while loop's
  // NextIteration -> Merge edge), a known op with the wrong number of inputs
  // or attrs of the wrong type, a library function that clashes with a
  // different one of the same name, and incompatible versions. The graph is
  // unchanged on error.
  Status Import(const tensorflow::GraphDef& graph_def,
                const ImportGraphDefOptions& options,
                ImportGraphDefResult* result = nullptr);

  // Adds one node whose inputs are already in the graph. INVALID_ARGUMENT
  // as Import(); the name must be unused. Each node it names as a control
  // input gets the attr _has_manual_control_dependencies = true, as TF's
  // Python API marks them.
  StatusOr<const Node*> AddNode(tensorflow::NodeDef node_def);

  // Sets one attr of an existing node (TF's Operation._set_attr), as
  // restoring a while-loop context does for its Enter ops' frame_name.
  // NOT_FOUND for an unknown node; INVALID_ARGUMENT for an attr that
  // decides the node's input or output types or counts.
  Status SetAttr(std::string_view node_name, const std::string& attr,
                 tensorflow::AttrValue value);

  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  // REQUIRES: 0 <= id < num_nodes().
  const Node& node(int id) const { return *nodes_[static_cast<size_t>(id)]; }
  // nullptr when there is no node `name`.
  const Node* FindNode(std::string_view name) const;

  // TF's Graph.get_operation_by_name / get_tensor_by_name /
  // as_graph_element, with TF's messages: NOT_FOUND "The name 'w3:0' refers
  // to a Tensor which does not exist. The operation, 'w3', does not exist in
  // the graph.", "... The operation, 'w1', exists but only has 1 outputs.",
  // "The name 'x' refers to an Operation not in the graph."; INVALID_ARGUMENT
  // for a name of the wrong form.
  StatusOr<const Node*> GetOperationByName(std::string_view name) const;
  StatusOr<GraphElement> GetTensorByName(std::string_view name) const;
  StatusOr<GraphElement> AsGraphElement(std::string_view name,
                                        bool allow_tensor = true,
                                        bool allow_operation = true) const;

  // The OpDef for `op`: the registry's, else one given with a file; nullptr
  // when neither has it.
  const tensorflow::OpDef* FindOpDef(std::string_view op) const;
  // UNIMPLEMENTED naming the op type and the first node whose op is unknown;
  // OK when every op is known.
  Status ValidateOps() const;
  const OpRegistry& registry() const { return *registry_; }

  // --- Names ----------------------------------------------------------------
  // TF's Graph.unique_name: `name` inside the current name scope, made unique
  // by appending "_1", "_2", ...; marks it used unless !mark_as_used.
  std::string UniqueName(std::string_view name, bool mark_as_used = true);
  // Enters a name scope as TF's name_scope does: "" is the root, a name
  // ending in '/' is taken as is, any other name is made unique. Returns the
  // new scope (no trailing '/').
  std::string EnterNameScope(std::string_view name);
  // REQUIRES: an EnterNameScope() not yet exited.
  void ExitNameScope();
  const std::string& name_scope() const { return name_scope_; }

  // --- Library and versions -------------------------------------------------
  const tensorflow::FunctionDefLibrary& library() const {
    return shell_.library();
  }
  const tensorflow::VersionDef& versions() const { return shell_.versions(); }

  // --- Collections ----------------------------------------------------------
  // Stored as a MetaGraphDef encodes them, with names in this graph's
  // namespace: node_list of "op"/"op:k" names, bytes_list (serialized
  // VariableDef / SaverDef for the registered keys), int64_list, float_list,
  // any_list.
  const std::map<std::string, tensorflow::CollectionDef>& collections() const {
    return collections_;
  }
  // nullptr when there is no collection `key`.
  const tensorflow::CollectionDef* FindCollection(std::string_view key) const;

  // Appends one value. INVALID_ARGUMENT when the collection holds values of
  // another kind, or (node lists) when the element is not in this graph.
  Status AddToCollection(const std::string& key, const GraphElement& element);
  Status AddBytesToCollection(const std::string& key, std::string value);
  Status AddInt64ToCollection(const std::string& key, int64_t value);
  Status AddFloatToCollection(const std::string& key, float value);
  Status AddAnyToCollection(const std::string& key,
                            const google::protobuf::Any& value);
  // Serializes a VariableDef into a bytes_list collection after checking
  // that its variable resolves (variables, trainable_variables, ...).
  Status AddVariableToCollection(const std::string& key,
                                 const tensorflow::VariableDef& variable);
  // Replaces a whole collection. INVALID_ARGUMENT for a collection with no
  // kind, a node_list entry that does not resolve, or an unparsable
  // VariableDef in a variable collection.
  Status SetCollection(const std::string& key,
                       tensorflow::CollectionDef collection);
  void ClearCollection(std::string_view key);

  // The elements of a node_list collection (empty when there is none).
  StatusOr<std::vector<GraphElement>> GetCollectionElements(
      std::string_view key) const;
  // The variables of a VariableDef collection ("variables",
  // "trainable_variables", ...); empty when there is none.
  StatusOr<std::vector<Variable>> GetVariables(
      std::string_view key = "variables") const;
  // Resolves one VariableDef in this graph.
  StatusOr<Variable> ResolveVariable(const tensorflow::VariableDef& def) const;

 private:
  struct PendingNode;

  Status CheckVersions(const tensorflow::VersionDef& versions) const;
  Status MergeLibrary(const tensorflow::FunctionDefLibrary& library);
  void AddProducerOps(const tensorflow::OpList& ops);
  bool NameOrPrefixInGraph(std::string_view name) const;
  void MarkNameUsed(std::string_view name);
  Status CheckCollectionKind(const std::string& key,
                             tensorflow::CollectionDef::KindCase kind) const;

  const OpRegistry* registry_;
  // The GraphDef minus its nodes: library, versions, debug info, unknown
  // fields.
  tensorflow::GraphDef shell_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<std::string, Node*> by_name_;
  // Every proper prefix of a node name that ends before a '/': "a", "a/b"
  // for "a/b/c".
  std::set<std::string, std::less<>> name_prefixes_;
  // OpDefs that came with files, for ops the registry lacks.
  std::map<std::string, tensorflow::OpDef, std::less<>> producer_ops_;
  // TF's _names_in_use: lower-cased name -> count.
  std::map<std::string, int, std::less<>> names_in_use_;
  std::string name_scope_;
  std::vector<std::string> scope_stack_;
  std::map<std::string, tensorflow::CollectionDef> collections_;
};

}  // namespace tfckpt

#endif  // TFCKPT_GRAPH_H_
