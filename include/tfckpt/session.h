// Session: runs a Graph on the CPU with TensorFlow's tf.compat.v1.Session
// semantics.
//
//   Graph graph;
//   TFCKPT_ASSIGN_OR_RETURN(auto imported, ImportMetaGraph(&graph, "m.meta"));
//   TFCKPT_ASSIGN_OR_RETURN(auto session, Session::Create(&graph));
//   TFCKPT_ASSIGN_OR_RETURN(
//       std::vector<Tensor> out,
//       session->Run({{"w1:0", w1}, {"w2:0", w2}}, {"op_to_restore:0"}, {}));
//
// Run() executes only the nodes the fetches and targets need (data and
// control inputs, transitively; a fed tensor cuts the edge to its
// producer), each at most once per call, independent nodes in parallel on
// an inter-op thread pool; kernels may split their own work on an intra-op
// pool. The execution plan (pruned node set, kernels) is built once per
// feed/fetch/target signature and cached.
//
// Variables (VariableV2 and resource variables) live in the session, keyed
// by container and shared_name, from their initialization until the session
// is destroyed.
//
// Errors follow TensorFlow: INVALID_ARGUMENT "You must feed a value for
// placeholder tensor 'w1' with dtype float", FAILED_PRECONDITION
// "Attempting to use uninitialized value bias", INVALID_ARGUMENT for shape
// and dtype mismatches naming the node; NOT_FOUND for fetches that are not
// in the graph; UNIMPLEMENTED for an op without a CPU kernel. Messages of
// kernel errors end with "\n\t [[{{node NAME}}]]" as TF's do.
//
// Thread safety: Run() may be called concurrently. The graph must outlive
// the session; it may grow between runs (a Saver adds nodes) but must not
// change during a Run().
#ifndef TFCKPT_SESSION_H_
#define TFCKPT_SESSION_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"

namespace tfckpt {

namespace internal {
class KernelRegistry;
}  // namespace internal

struct SessionOptions {
  // Threads that run independent nodes; 0 means the hardware concurrency.
  int inter_op_threads = 0;
  // Threads kernels may split work across; 0 means the hardware
  // concurrency.
  int intra_op_threads = 0;
  // Used by SaveV2/RestoreV2/MergeV2Checkpoints; nullptr means
  // FileSystem::Default(). Must outlive the session.
  FileSystem* file_system = nullptr;
};

class Session {
 public:
  // A session with tfckpt's CPU kernels (defined in the tfckpt_kernels
  // library, which links the kernels in). `graph` must outlive it.
  static StatusOr<std::unique_ptr<Session>> Create(const Graph* graph,
                                                   SessionOptions options = {});
  // A session with the kernels of `registry` (must outlive the session).
  static StatusOr<std::unique_ptr<Session>> Create(
      const Graph* graph, const internal::KernelRegistry* registry,
      SessionOptions options = {});

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feeds map tensor names ("w1:0" or "w1") to values; fetches are tensor
  // names; targets are operation names run for their effects. Returns the
  // fetched tensors in order.
  StatusOr<std::vector<Tensor>> Run(
      const std::vector<std::pair<std::string, Tensor>>& feeds,
      const std::vector<std::string>& fetches,
      const std::vector<std::string>& targets);

  const Graph& graph() const;

 private:
  struct Rep;
  explicit Session(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_SESSION_H_
