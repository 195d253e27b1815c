// The kernel API of the runtime: what flows along graph edges (Value), the
// state a variable keeps (VariableState), the per-node call context
// (OpKernelContext), kernels and the KernelRegistry that maps op types to
// kernel factories. Registration is explicit (RegisterCpuKernels in
// src/kernels/kernels.h); there are no static registrars.
//
// Thread safety: a KernelRegistry is immutable once filled. One OpKernel
// object serves every run of its node, possibly from several threads at
// once, so Compute() must not mutate the kernel. VariableState is guarded
// by its own mutex.
#ifndef TFCKPT_SRC_RUNTIME_OP_KERNEL_H_
#define TFCKPT_SRC_RUNTIME_OP_KERNEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/framework/attr_value.pb.h"
#include "src/core/proto_conversions.h"  // TensorFromProto for kernels
#include "tensorflow/core/framework/tensor.pb.h"
#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"

namespace tfckpt::internal {

class ThreadPool;

// The value of a variable, shared by every node that refers to it.
struct VariableState {
  explicit VariableState(std::string variable_name)
      : name(std::move(variable_name)) {}

  // The name errors use ("bias").
  const std::string name;
  // The declared shape when fully known (VariableV2/VarHandleOp "shape"),
  // which assignments are validated against before the first one.
  std::optional<TensorShape> declared_shape;
  std::mutex mu;
  Tensor tensor;  // GUARDED_BY(mu)
  bool initialized = false;  // GUARDED_BY(mu)

  // A copy of the value (Tensors share elements, so assignments replace
  // `tensor` rather than writing into it). FAILED_PRECONDITION
  // "Attempting to use uninitialized value <name>".
  StatusOr<Tensor> Read();
  void Write(Tensor value);
};

// Variables of one session, keyed by container and shared_name.
class ResourceManager {
 public:
  // The variable, created uninitialized on first use.
  std::shared_ptr<VariableState> LookupOrCreate(const std::string& container,
                                                const std::string& name);
  // Forgets the variable (DestroyResourceOp); NOT_FOUND when absent.
  Status Delete(const std::string& container, const std::string& name);

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>,
           std::shared_ptr<VariableState>>
      variables_;
};

// What one node output carries: a tensor, a reference to a variable
// (VariableV2's Ref output) or a resource handle (VarHandleOp).
struct Value {
  Tensor tensor;
  std::shared_ptr<VariableState> variable;
  bool is_ref = false;
};

class OpKernelContext {
 public:
  OpKernelContext(const Node& node, std::vector<Value> inputs,
                  ResourceManager* resources, FileSystem* file_system,
                  ThreadPool* intra_op_pool)
      : node_(node),
        inputs_(std::move(inputs)),
        resources_(resources),
        file_system_(file_system),
        intra_op_pool_(intra_op_pool) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  // REQUIRES: 0 <= i < num_inputs(). Reference inputs the op reads as
  // values are dereferenced before Compute().
  const Tensor& input(int i) const { return inputs_[Index(i)].tensor; }
  // The variable behind a reference or resource input; INVALID_ARGUMENT when
  // the input is neither.
  StatusOr<std::shared_ptr<VariableState>> input_variable(int i) const;

  void set_output(int i, Tensor tensor);
  void set_output_variable(int i, std::shared_ptr<VariableState> variable,
                           bool is_ref);
  std::vector<Value>& outputs() { return outputs_; }

  // Allocates output i (checked size).
  StatusOr<Tensor> AllocateOutput(int i, DataType dtype,
                                  const TensorShape& shape);

  ResourceManager* resources() const { return resources_; }
  FileSystem* file_system() const { return file_system_; }
  ThreadPool* intra_op_pool() const { return intra_op_pool_; }

  // "<message> (node <name>)": errors that name the node, as TF's do.
  Status NodeError(StatusCode code, const std::string& message) const;

 private:
  static size_t Index(int i) { return static_cast<size_t>(i); }

  const Node& node_;
  std::vector<Value> inputs_;
  std::vector<Value> outputs_;
  ResourceManager* resources_;
  FileSystem* file_system_;
  ThreadPool* intra_op_pool_;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual Status Compute(OpKernelContext* context) const = 0;
};

// A kernel whose work is one function (usually a lambda that captured the
// node's parsed attrs).
class FunctionKernel final : public OpKernel {
 public:
  using Fn = std::function<Status(OpKernelContext*)>;
  explicit FunctionKernel(Fn fn) : fn_(std::move(fn)) {}
  Status Compute(OpKernelContext* context) const override {
    return fn_(context);
  }

 private:
  Fn fn_;
};

// Builds the kernel of one node (parsing and checking its attrs).
using KernelFactory =
    std::function<StatusOr<std::unique_ptr<OpKernel>>(const Node&)>;

class KernelRegistry {
 public:
  // ALREADY_EXISTS when `op` has a kernel.
  Status Register(std::string op, KernelFactory factory);
  // Registers a kernel that is one function of the context, built per node
  // by `make` (which may fail on bad attrs).
  Status RegisterFn(
      std::string op,
      std::function<StatusOr<FunctionKernel::Fn>(const Node&)> make);
  // nullptr when there is none.
  const KernelFactory* Find(std::string_view op) const;
  std::vector<std::string> ListOps() const;

 private:
  std::map<std::string, KernelFactory, std::less<>> factories_;
};

// --- Attr helpers -------------------------------------------------------------
// Each returns INVALID_ARGUMENT "Node 'x' (op 'Y'): missing attr 'a'" or
// "... attr 'a' is not a <kind>".
StatusOr<DataType> GetTypeAttr(const Node& node, std::string_view name);
StatusOr<int64_t> GetIntAttr(const Node& node, std::string_view name);
StatusOr<float> GetFloatAttr(const Node& node, std::string_view name);
StatusOr<bool> GetBoolAttr(const Node& node, std::string_view name);
StatusOr<std::string> GetStringAttr(const Node& node, std::string_view name);
StatusOr<std::vector<int64_t>> GetIntListAttr(const Node& node,
                                              std::string_view name);
StatusOr<std::vector<DataType>> GetTypeListAttr(const Node& node,
                                                std::string_view name);
// Default when the attr is absent.
int64_t GetIntAttrOr(const Node& node, std::string_view name, int64_t dflt);
bool GetBoolAttrOr(const Node& node, std::string_view name, bool dflt);
float GetFloatAttrOr(const Node& node, std::string_view name, float dflt);
std::string GetStringAttrOr(const Node& node, std::string_view name,
                            std::string dflt);


// TF's short dtype name for messages: "float", "double", "int32", ...
std::string DataTypeString(DataType dtype);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_RUNTIME_OP_KERNEL_H_
