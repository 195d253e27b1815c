// The CPU kernels. Registration is explicit: RegisterCpuKernels() adds every
// kernel to a registry; DefaultKernelRegistry() is an immutable registry
// holding exactly those, built on first use (what Session::Create uses).
#ifndef TFCKPT_SRC_KERNELS_KERNELS_H_
#define TFCKPT_SRC_KERNELS_KERNELS_H_

#include "src/runtime/op_kernel.h"
#include "tfckpt/status.h"

namespace tfckpt::internal {

// Every CPU kernel. Returns the first registration error (a bug).
Status RegisterCpuKernels(KernelRegistry* registry);
const KernelRegistry& DefaultKernelRegistry();

// The families RegisterCpuKernels() is made of.
Status RegisterStateKernels(KernelRegistry* registry);
Status RegisterMathKernels(KernelRegistry* registry);
Status RegisterNnKernels(KernelRegistry* registry);
Status RegisterArrayKernels(KernelRegistry* registry);
Status RegisterRandomKernels(KernelRegistry* registry);
Status RegisterIoKernels(KernelRegistry* registry);
// Training graphs: gradient helpers, nn gradients, optimizers.
Status RegisterGradientKernels(KernelRegistry* registry);
Status RegisterNnGradKernels(KernelRegistry* registry);
Status RegisterTrainingKernels(KernelRegistry* registry);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_KERNELS_KERNELS_H_
