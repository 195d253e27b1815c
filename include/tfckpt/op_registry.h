// OpRegistry: the OpDefs (inputs, outputs, attrs, defaults) of the ops
// tfckpt knows, used to validate imported graphs, to fill default attrs, to
// count a node's outputs and to write `stripped_op_list` on export.
//
//   OpRegistry registry;
//   TFCKPT_RETURN_IF_ERROR(RegisterOps(&registry));  // every built-in op
//   const tensorflow::OpDef* matmul = registry.Find("MatMul");
//
// Registration is explicit: RegisterOps() lists every built-in op, and there
// are no static initializers. OpRegistry::Default() is an immutable registry
// holding exactly RegisterOps()'s ops, built on first use.
//
// An OpDef is written with OpDefBuilder in the notation TensorFlow's op
// definitions use:
//   inputs/outputs  "x: T" (type attr), "x: float" (fixed), "x: N * T",
//                   "x: Tlist" (a list(type) attr), "x: Ref(T)"
//   attrs           "T: type", "T: {float, double}", "N: int >= 1",
//                   "padding: {\"SAME\", \"VALID\"}", "shape: shape",
//                   "dtypes: list(type) >= 1", then optionally "= default"
//                   (true, 3, 0.5, "text", float, [float, int32], [],
//                   {<TensorShapeProto text>})
//
// Thread safety: const methods may be called concurrently; Register() needs
// outside synchronization.
#ifndef TFCKPT_OP_REGISTRY_H_
#define TFCKPT_OP_REGISTRY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/framework/op_def.pb.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

// Builds one OpDef from spec strings; errors are reported by Build().
class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string name);

  OpDefBuilder& Input(std::string spec);
  OpDefBuilder& Output(std::string spec);
  OpDefBuilder& Attr(std::string spec);
  OpDefBuilder& ControlOutput(std::string name);
  OpDefBuilder& SetIsStateful();
  OpDefBuilder& SetIsCommutative();
  OpDefBuilder& SetIsAggregate();
  OpDefBuilder& SetAllowsUninitializedInput();
  OpDefBuilder& SetIsDistributedCommunication();

  // INVALID_ARGUMENT naming the op and the spec for a malformed spec, an arg
  // naming an attr that is not declared (or of the wrong kind), or duplicate
  // names.
  StatusOr<tensorflow::OpDef> Build() const;

 private:
  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<std::string> outputs_;
  std::vector<std::string> attrs_;
  std::vector<std::string> control_outputs_;
  bool is_stateful_ = false;
  bool is_commutative_ = false;
  bool is_aggregate_ = false;
  bool allows_uninitialized_input_ = false;
  bool is_distributed_communication_ = false;
};

class OpRegistry {
 public:
  OpRegistry() = default;
  OpRegistry(const OpRegistry&) = delete;
  OpRegistry& operator=(const OpRegistry&) = delete;

  // The built-in ops (RegisterOps), built once on first use; lives forever.
  static const OpRegistry& Default();

  // ALREADY_EXISTS when an op of that name is registered.
  Status Register(tensorflow::OpDef op_def);
  // Build() then Register().
  Status Register(const OpDefBuilder& builder);

  // nullptr when `op` is not registered.
  const tensorflow::OpDef* Find(std::string_view op) const;

  // UNIMPLEMENTED "Op type not registered 'Foo' (node 'x')" when `op` is not
  // registered; `node` may be empty.
  StatusOr<const tensorflow::OpDef*> LookUp(std::string_view op,
                                            std::string_view node = {}) const;

  // Registered op names, sorted.
  std::vector<std::string> ListOps() const;

 private:
  std::map<std::string, tensorflow::OpDef, std::less<>> ops_;
};

// Registers every op tfckpt knows. Returns the first registration error
// (a bug in the op list).
Status RegisterOps(OpRegistry* registry);

}  // namespace tfckpt

#endif  // TFCKPT_OP_REGISTRY_H_
