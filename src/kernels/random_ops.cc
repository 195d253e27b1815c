// Random ops, seeded from the node's seed/seed2 attrs. The streams are
// std::mt19937_64 based, NOT TF's Philox streams: the same seeds give
// reproducible values in tfckpt, but not TF's values (docs/ops.md). With
// seed == seed2 == 0 each kernel draws a fresh random seed, as TF does.
#include <cmath>
#include <mutex>
#include <random>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

enum class Dist { kNormal, kTruncated, kUniform };

// One generator per node, advancing across runs like TF's per-op state.
struct Generator {
  std::mutex mu;
  std::mt19937_64 engine;  // GUARDED_BY(mu)
};

StatusOr<Fn> MakeRandom(const Node& node, Dist dist) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "dtype"));
  const int64_t seed = GetIntAttrOr(node, "seed", 0);
  const int64_t seed2 = GetIntAttrOr(node, "seed2", 0);
  auto gen = std::make_shared<Generator>();
  if (seed == 0 && seed2 == 0) {
    gen->engine.seed(std::random_device{}());
  } else {
    std::seed_seq seq{static_cast<uint64_t>(seed), static_cast<uint64_t>(seed2)};
    gen->engine.seed(seq);
  }
  return Fn([dtype, dist, gen](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                            IntValues(ctx, ctx->input(0), "shape"));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, dtype, shape));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(ctx, dtype, [&](auto tag) -> Status {
      using T = decltype(tag);
      std::normal_distribution<double> normal;
      std::uniform_real_distribution<double> uniform;
      std::lock_guard<std::mutex> lock(gen->mu);
      for (T& v : out.mutable_flat<T>()) {
        double x = 0;
        switch (dist) {
          case Dist::kNormal: x = normal(gen->engine); break;
          case Dist::kUniform: x = uniform(gen->engine); break;
          case Dist::kTruncated:
            // Resample outside two standard deviations, as TF does.
            do x = normal(gen->engine); while (std::abs(x) > 2.0);
            break;
        }
        v = static_cast<T>(x);
      }
      return OkStatus();
    });
  });
}

}  // namespace

Status RegisterRandomKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("RandomStandardNormal", [](const Node& n) {
    return MakeRandom(n, Dist::kNormal);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("TruncatedNormal", [](const Node& n) {
    return MakeRandom(n, Dist::kTruncated);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("RandomUniform", [](const Node& n) {
    return MakeRandom(n, Dist::kUniform);
  }));
  return OkStatus();
}

}  // namespace tfckpt::internal
