#include "src/kernels/kernels.h"

#include <cstdlib>
#include <iostream>

#include "tfckpt/session.h"

namespace tfckpt {
namespace internal {

Status RegisterCpuKernels(KernelRegistry* registry) {
  TFCKPT_RETURN_IF_ERROR(RegisterStateKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterMathKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterNnKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterArrayKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterRandomKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterIoKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterGradientKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterNnGradKernels(registry));
  TFCKPT_RETURN_IF_ERROR(RegisterTrainingKernels(registry));
  return OkStatus();
}

const KernelRegistry& DefaultKernelRegistry() {
  static const KernelRegistry* const registry = [] {
    auto* r = new KernelRegistry;
    Status s = RegisterCpuKernels(r);
    if (!s.ok()) {
      // A duplicate registration is a bug in the kernel list.
      std::cerr << "tfckpt: RegisterCpuKernels failed: " << s << "\n";
      std::abort();
    }
    return r;
  }();
  return *registry;
}

}  // namespace internal

// Defined here rather than in runtime so that runtime does not depend on
// the kernels library.
StatusOr<std::unique_ptr<Session>> Session::Create(const Graph* graph,
                                                   SessionOptions options) {
  return Create(graph, &internal::DefaultKernelRegistry(), options);
}

}  // namespace tfckpt
