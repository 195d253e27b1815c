// Session: plan (prune + kernels) once per signature, then a dataflow
// executor over the plan on the inter-op pool.
#include "tfckpt/session.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "src/runtime/op_kernel.h"
#include "src/runtime/thread_pool.h"

namespace tfckpt {
namespace {

using internal::KernelRegistry;
using internal::OpKernel;
using internal::OpKernelContext;
using internal::Value;

int DefaultThreads(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Per-input "is a reference argument" flags of a node, from its OpDef.
std::vector<bool> RefInputs(const Node& node) {
  std::vector<bool> refs;
  const tensorflow::OpDef* op = node.op_def();
  if (op == nullptr) return refs;
  for (const auto& arg : op->input_arg()) {
    int64_t count = 1;
    if (!arg.number_attr().empty()) {
      const auto* n = node.FindAttr(arg.number_attr());
      count = n != nullptr ? n->i() : 0;
    } else if (!arg.type_list_attr().empty()) {
      const auto* types = node.FindAttr(arg.type_list_attr());
      count = types != nullptr ? types->list().type_size() : 0;
    }
    for (int64_t i = 0; i < count; ++i) refs.push_back(arg.is_ref());
  }
  return refs;
}

std::string FeedKey(const std::string& node, int index) {
  return node + ":" + std::to_string(index);
}

// One node of a plan: its kernel and where each input comes from.
struct PlanNode {
  const Node* node = nullptr;
  std::shared_ptr<const OpKernel> kernel;
  std::vector<bool> ref_inputs;
  // Per data input: a feed (feed >= 0) or a producer's output.
  struct Source {
    int feed = -1;
    int producer = -1;
    int output = 0;
  };
  std::vector<Source> sources;
  // Plan indices of nodes waiting on this one, once per edge.
  std::vector<int> consumers;
  int num_pending = 0;
};

struct Plan {
  std::vector<PlanNode> nodes;
  std::vector<int> roots;
  // Feed order of the signature: feed name sorted -> position in Run's feeds.
  std::vector<std::string> feed_keys;
  // Per fetch: a feed position, or a node and output.
  std::vector<PlanNode::Source> fetches;
};

}  // namespace

struct Session::Rep {
  const Graph* graph = nullptr;
  const KernelRegistry* registry = nullptr;
  SessionOptions options;
  std::unique_ptr<internal::ThreadPool> inter_op;
  std::unique_ptr<internal::ThreadPool> intra_op;
  internal::ResourceManager resources;

  std::mutex mu;
  std::map<std::string, std::shared_ptr<const Plan>> plans;  // GUARDED_BY(mu)
  std::map<int, std::shared_ptr<const OpKernel>> kernels;   // GUARDED_BY(mu)

  StatusOr<std::shared_ptr<const OpKernel>> KernelFor(const Node& node);
  StatusOr<std::shared_ptr<const Plan>> GetPlan(
      const std::vector<std::string>& feed_keys,
      const std::vector<std::string>& fetches,
      const std::vector<std::string>& targets);
  StatusOr<std::shared_ptr<const Plan>> BuildPlan(
      const std::vector<std::string>& feed_keys,
      const std::vector<std::string>& fetches,
      const std::vector<std::string>& targets);
};

StatusOr<std::shared_ptr<const OpKernel>> Session::Rep::KernelFor(
    const Node& node) {
  // REQUIRES: mu held.
  auto it = kernels.find(node.id());
  if (it != kernels.end()) return it->second;
  const internal::KernelFactory* factory = registry->Find(node.op());
  if (factory == nullptr) {
    return UnimplementedError("No CPU kernel registered for op '" + node.op() +
                              "' (node '" + node.name() + "')");
  }
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, (*factory)(node));
  std::shared_ptr<const OpKernel> shared = std::move(kernel);
  kernels.emplace(node.id(), shared);
  return shared;
}

StatusOr<std::shared_ptr<const Plan>> Session::Rep::GetPlan(
    const std::vector<std::string>& feed_keys,
    const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  std::string key = std::to_string(graph->num_nodes());
  for (const auto* list : {&feed_keys, &fetches, &targets}) {
    key += '\x01';
    for (const std::string& s : *list) key += s + '\x02';
  }
  std::lock_guard<std::mutex> lock(mu);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  TFCKPT_ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan,
                          BuildPlan(feed_keys, fetches, targets));
  plans.emplace(std::move(key), plan);
  return plan;
}

StatusOr<std::shared_ptr<const Plan>> Session::Rep::BuildPlan(
    const std::vector<std::string>& feed_keys,
    const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  auto plan = std::make_shared<Plan>();
  plan->feed_keys = feed_keys;
  std::map<std::string, int> feed_index;
  for (size_t i = 0; i < feed_keys.size(); ++i) {
    feed_index[feed_keys[i]] = static_cast<int>(i);
  }
  // Reverse reachability from the fetches and targets.
  std::vector<const Node*> stack;
  for (const std::string& name : fetches) {
    TFCKPT_ASSIGN_OR_RETURN(GraphElement element, graph->GetTensorByName(name));
    auto fed = feed_index.find(FeedKey(element.node->name(), element.index));
    if (fed != feed_index.end()) {
      plan->fetches.push_back({fed->second, -1, 0});
    } else {
      plan->fetches.push_back({-1, element.node->id(), element.index});
      stack.push_back(element.node);
    }
  }
  for (const std::string& name : targets) {
    TFCKPT_ASSIGN_OR_RETURN(const Node* node, graph->GetOperationByName(name));
    stack.push_back(node);
  }
  std::map<int, int> plan_index;  // node id -> plan position
  std::vector<const Node*> order;
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (plan_index.count(node->id()) != 0) continue;
    plan_index[node->id()] = static_cast<int>(order.size());
    order.push_back(node);
    for (const TensorId& input : node->data_inputs()) {
      if (feed_index.count(FeedKey(input.node, input.index)) != 0) continue;
      stack.push_back(graph->FindNode(input.node));
    }
    for (const std::string& control : node->control_inputs()) {
      stack.push_back(graph->FindNode(control));
    }
  }
  plan->nodes.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Node* node = order[i];
    PlanNode& pn = plan->nodes[i];
    pn.node = node;
    TFCKPT_ASSIGN_OR_RETURN(pn.kernel, KernelFor(*node));
    pn.ref_inputs = RefInputs(*node);
    for (const TensorId& input : node->data_inputs()) {
      auto fed = feed_index.find(FeedKey(input.node, input.index));
      if (fed != feed_index.end()) {
        pn.sources.push_back({fed->second, -1, 0});
        continue;
      }
      const int producer = plan_index.at(graph->FindNode(input.node)->id());
      pn.sources.push_back({-1, producer, input.index});
      plan->nodes[static_cast<size_t>(producer)].consumers.push_back(
          static_cast<int>(i));
      ++pn.num_pending;
    }
    for (const std::string& control : node->control_inputs()) {
      const int producer = plan_index.at(graph->FindNode(control)->id());
      plan->nodes[static_cast<size_t>(producer)].consumers.push_back(
          static_cast<int>(i));
      ++pn.num_pending;
    }
    if (pn.num_pending == 0) plan->roots.push_back(static_cast<int>(i));
  }
  for (PlanNode::Source& fetch : plan->fetches) {
    if (fetch.feed < 0) fetch.producer = plan_index.at(fetch.producer);
  }
  return std::shared_ptr<const Plan>(std::move(plan));
}

namespace {

// The state of one Run() over a plan.
class Execution {
 public:
  Execution(const Plan& plan, std::vector<Tensor> feeds,
            internal::ThreadPool* inter_op, internal::ThreadPool* intra_op,
            internal::ResourceManager* resources, FileSystem* fs)
      : plan_(plan),
        feeds_(std::move(feeds)),
        inter_op_(inter_op),
        intra_op_(intra_op),
        resources_(resources),
        fs_(fs),
        outputs_(plan.nodes.size()),
        pending_(plan.nodes.size()) {
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      pending_[i].store(plan.nodes[i].num_pending);
    }
  }

  Status Run() {
    if (plan_.nodes.empty()) return OkStatus();
    if (plan_.roots.empty()) {
      return UnimplementedError(
          "The graph has a cycle among the nodes to run (control flow loops "
          "are not supported)");
    }
    in_flight_.store(static_cast<int64_t>(plan_.roots.size()));
    for (int root : plan_.roots) {
      inter_op_->Schedule([this, root] { Process(root); });
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    if (!status_.ok()) return status_;
    if (completed_.load() != static_cast<int64_t>(plan_.nodes.size())) {
      return UnimplementedError(
          "The graph has a cycle among the nodes to run (control flow loops "
          "are not supported)");
    }
    return OkStatus();
  }

  StatusOr<Tensor> Fetch(const PlanNode::Source& source) {
    if (source.feed >= 0) return feeds_[static_cast<size_t>(source.feed)];
    const PlanNode& pn = plan_.nodes[static_cast<size_t>(source.producer)];
    const Value& value =
        outputs_[static_cast<size_t>(source.producer)]
                [static_cast<size_t>(source.output)];
    if (value.variable != nullptr) {
      if (!value.is_ref) {
        return InvalidArgumentError("Cannot fetch the resource handle " +
                                    pn.node->name() + ":" +
                                    std::to_string(source.output));
      }
      auto read = value.variable->Read();
      if (!read.ok()) return read.status();
      return *read;
    }
    return value.tensor;
  }

 private:
  // Runs node `index` and then, on this thread, one of the nodes it made
  // ready; schedules the others.
  void Process(int index) {
    while (index >= 0) {
      int next = -1;
      if (!failed_.load()) {
        Status s = RunNode(index);
        if (!s.ok()) {
          Fail(s);
        } else {
          completed_.fetch_add(1);
          for (int consumer :
               plan_.nodes[static_cast<size_t>(index)].consumers) {
            if (pending_[static_cast<size_t>(consumer)].fetch_sub(1) != 1) {
              continue;
            }
            in_flight_.fetch_add(1);
            if (next < 0) {
              next = consumer;
            } else {
              inter_op_->Schedule([this, consumer] { Process(consumer); });
            }
          }
        }
      }
      Finished();
      index = next;
    }
  }

  void Finished() {
    if (in_flight_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      cv_.notify_all();
    }
  }

  void Fail(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = s;
    failed_.store(true);
  }

  Status RunNode(int index) {
    const PlanNode& pn = plan_.nodes[static_cast<size_t>(index)];
    const Node& node = *pn.node;
    std::vector<Value> inputs;
    inputs.reserve(pn.sources.size());
    for (size_t i = 0; i < pn.sources.size(); ++i) {
      const PlanNode::Source& source = pn.sources[i];
      Value value;
      if (source.feed >= 0) {
        value.tensor = feeds_[static_cast<size_t>(source.feed)];
      } else {
        const auto& produced = outputs_[static_cast<size_t>(source.producer)];
        if (static_cast<size_t>(source.output) >= produced.size()) {
          return InternalError("Node '" + node.name() + "': input " +
                               std::to_string(i) + " was not produced");
        }
        value = produced[static_cast<size_t>(source.output)];
      }
      const bool wants_ref = i < pn.ref_inputs.size() && pn.ref_inputs[i];
      if (value.is_ref && !wants_ref) {
        // A reference read as a value: TF dereferences it here.
        auto read = value.variable->Read();
        if (!read.ok()) {
          return Status(read.status().code(),
                        read.status().message() + "\n\t [[{{node " +
                            node.name() + "}}]]");
        }
        value = Value{*read, nullptr, false};
      } else if (wants_ref && !value.is_ref) {
        return InvalidArgumentError(
            "Input " + std::to_string(i) + " of node " + node.name() +
            " was passed a non-reference value where a reference is "
            "expected");
      }
      inputs.push_back(std::move(value));
    }
    OpKernelContext context(node, std::move(inputs), resources_, fs_,
                            intra_op_);
    TFCKPT_RETURN_IF_ERROR(pn.kernel->Compute(&context));
    std::vector<Value>& outs = context.outputs();
    const int expected = node.num_outputs();
    if (expected >= 0 && static_cast<int>(outs.size()) != expected) {
      return InternalError("Kernel of node '" + node.name() + "' produced " +
                           std::to_string(outs.size()) + " outputs, expected " +
                           std::to_string(expected));
    }
    outputs_[static_cast<size_t>(index)] = std::move(outs);
    return OkStatus();
  }

  const Plan& plan_;
  std::vector<Tensor> feeds_;
  internal::ThreadPool* inter_op_;
  internal::ThreadPool* intra_op_;
  internal::ResourceManager* resources_;
  FileSystem* fs_;
  // Written once by the node's own run, read only by nodes that waited for it.
  std::vector<std::vector<Value>> outputs_;
  std::vector<std::atomic<int>> pending_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // GUARDED_BY(mu_)
  Status status_;      // GUARDED_BY(mu_)
};

}  // namespace

Session::Session(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Session::~Session() = default;

const Graph& Session::graph() const { return *rep_->graph; }

StatusOr<std::unique_ptr<Session>> Session::Create(
    const Graph* graph, const KernelRegistry* registry, SessionOptions options) {
  if (graph == nullptr || registry == nullptr) {
    return InvalidArgumentError("Session::Create needs a graph and kernels");
  }
  auto rep = std::make_unique<Rep>();
  rep->graph = graph;
  rep->registry = registry;
  if (options.file_system == nullptr) options.file_system = FileSystem::Default();
  rep->inter_op = std::make_unique<internal::ThreadPool>(
      DefaultThreads(options.inter_op_threads));
  rep->intra_op = std::make_unique<internal::ThreadPool>(
      DefaultThreads(options.intra_op_threads));
  rep->options = options;
  return std::unique_ptr<Session>(new Session(std::move(rep)));
}

StatusOr<std::vector<Tensor>> Session::Run(
    const std::vector<std::pair<std::string, Tensor>>& feeds,
    const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  // Feeds in a canonical order so the plan is shared across feed orders.
  std::vector<std::pair<std::string, const Tensor*>> sorted;
  for (const auto& [name, tensor] : feeds) {
    TFCKPT_ASSIGN_OR_RETURN(GraphElement element,
                            rep_->graph->GetTensorByName(name));
    const DataType expected =
        element.node->output_types()[static_cast<size_t>(element.index)];
    if (tensor.dtype() != expected) {
      return InvalidArgumentError(
          "Cannot feed value of dtype " + internal::DataTypeString(tensor.dtype()) +
          " for Tensor '" + element.name() + "', which has dtype " +
          internal::DataTypeString(expected));
    }
    sorted.emplace_back(FeedKey(element.node->name(), element.index), &tensor);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> feed_keys;
  std::vector<Tensor> feed_values;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      return InvalidArgumentError("Tensor " + sorted[i].first +
                                  " is fed more than once");
    }
    feed_keys.push_back(sorted[i].first);
    feed_values.push_back(*sorted[i].second);
  }
  std::vector<std::string> sorted_targets = targets;
  std::sort(sorted_targets.begin(), sorted_targets.end());
  TFCKPT_ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan,
                          rep_->GetPlan(feed_keys, fetches, sorted_targets));
  Execution execution(*plan, std::move(feed_values), rep_->inter_op.get(),
                      rep_->intra_op.get(), &rep_->resources,
                      rep_->options.file_system);
  TFCKPT_RETURN_IF_ERROR(execution.Run());
  std::vector<Tensor> results;
  for (const PlanNode::Source& fetch : plan->fetches) {
    TFCKPT_ASSIGN_OR_RETURN(Tensor t, execution.Fetch(fetch));
    results.push_back(std::move(t));
  }
  return results;
}

}  // namespace tfckpt
