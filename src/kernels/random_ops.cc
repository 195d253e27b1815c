// Random ops with TensorFlow's exact values: each node owns a Philox4x32-10
// stream keyed by its seed/seed2 attrs (TF's GuardedPhiloxRandom), every run
// reserves 256 blocks per output element and starts where the previous run's
// reservation ended, and the distributions turn blocks into values bit for
// bit as TF's random_distributions do. With seed == seed2 == 0 the stream is
// keyed from std::random_device, so values differ from run to run of the
// program, as in TF.
//
// The stream lives in the kernel, which the Session builds once per node and
// keeps for every fetch signature, so one node's values continue across
// runs however they are fetched.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <mutex>
#include <numbers>
#include <random>
#include <span>
#include <type_traits>
#include <utility>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "src/kernels/philox.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;
using Block = Philox4x32::Block;

// Blocks reserved per output element and run, whatever the distribution
// consumes (TF's kReservedSamplesPerOutput); the rejection sampler of
// TruncatedNormal relies on this headroom.
constexpr uint64_t kBlocksPerOutput = 256;
constexpr size_t kWordsPerBlock = std::tuple_size_v<Block>;

// Values per block: one 32-bit word each, two words for 64-bit types.
template <typename T>
constexpr size_t kPerBlock = sizeof(T) == 8 ? 2 : 4;

template <typename T>
using Group = std::array<T, kPerBlock<T>>;

// One node's stream; Compute calls from several threads take disjoint
// reservations.
class GuardedPhilox {
 public:
  explicit GuardedPhilox(Philox4x32 stream) : stream_(stream) {}

  // The stream for one run producing `outputs` elements; the next run
  // starts past it.
  Philox4x32 Reserve(int64_t outputs) {
    std::lock_guard<std::mutex> lock(mu_);
    const Philox4x32 reserved = stream_;
    stream_.Skip(static_cast<uint64_t>(outputs) * kBlocksPerOutput);
    return reserved;
  }

 private:
  std::mutex mu_;
  Philox4x32 stream_;  // GUARDED_BY(mu_)
};

std::shared_ptr<GuardedPhilox> MakeStream(const Node& node) {
  auto seed = static_cast<uint64_t>(GetIntAttrOr(node, "seed", 0));
  auto seed2 = static_cast<uint64_t>(GetIntAttrOr(node, "seed2", 0));
  if (seed == 0 && seed2 == 0) {
    std::random_device entropy;
    const auto draw64 = [&entropy] {
      return uint64_t{entropy()} << 32 | uint64_t{entropy()};
    };
    seed = draw64();
    seed2 = draw64();
  }
  return std::make_shared<GuardedPhilox>(Philox4x32(seed, seed2));
}

// --- From random bits to [0, 1) ---------------------------------------------
// The low bits become the mantissa of a number in [1, 2), then 1 is
// subtracted (exact): uniform on a grid of 2^-mantissa_bits.

float UnitFloat(uint32_t x) {
  return std::bit_cast<float>(uint32_t{127} << 23 | (x & 0x7fffff)) - 1.0f;
}

double UnitDouble(uint32_t high, uint32_t low) {
  const uint64_t mantissa = uint64_t{high & 0xfffff} << 32 | low;
  return std::bit_cast<double>(uint64_t{1023} << 52 | mantissa) - 1.0;
}

// Half and bfloat16 use the low 16 bits of the word.
Half UnitHalf(uint32_t x) {
  const Half one_to_two{static_cast<uint16_t>(15u << 10 | (x & 0x3ff))};
  return FloatToHalf(HalfToFloat(one_to_two) - 1.0f);
}

BFloat16 UnitBFloat16(uint32_t x) {
  const BFloat16 one_to_two{static_cast<uint16_t>(127u << 7 | (x & 0x7f))};
  return FloatToBFloat16(BFloat16ToFloat(one_to_two) - 1.0f);
}

template <typename T>
T FromFloat(float f) {
  if constexpr (std::is_same_v<T, Half>) {
    return FloatToHalf(f);
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return FloatToBFloat16(f);
  } else {
    return f;
  }
}

// --- Box-Muller ----------------------------------------------------------------
// Two standard normals from two uniforms; u1 is kept away from 0 for log().
// The angle is computed in double and rounded once, as TF's
// `2.0f * M_PI * u` does.

std::pair<float, float> BoxMullerFloat(uint32_t x0, uint32_t x1) {
  const float u1 = std::max(UnitFloat(x0), 1.0e-7f);
  const auto angle =
      static_cast<float>(2.0 * std::numbers::pi * UnitFloat(x1));
  const float radius = std::sqrt(-2.0f * std::log(u1));
  float sin_angle = 0;
  float cos_angle = 0;
  ::sincosf(angle, &sin_angle, &cos_angle);
  return {sin_angle * radius, cos_angle * radius};
}

std::pair<double, double> BoxMullerDouble(uint32_t x0, uint32_t x1,
                                          uint32_t x2, uint32_t x3) {
  const double u1 = std::max(UnitDouble(x0, x1), 1.0e-7);
  const double angle = 2.0 * std::numbers::pi * UnitDouble(x2, x3);
  const double radius = std::sqrt(-2.0 * std::log(u1));
  double sin_angle = 0;
  double cos_angle = 0;
  ::sincos(angle, &sin_angle, &cos_angle);
  return {sin_angle * radius, cos_angle * radius};
}

// --- Distributions: one group of values per block ---------------------------

template <typename T>
Group<T> UniformGroup(const Block& b) {
  if constexpr (std::is_same_v<T, double>) {
    return {UnitDouble(b[0], b[1]), UnitDouble(b[2], b[3])};
  } else {
    Group<T> group;
    for (size_t i = 0; i < group.size(); ++i) {
      if constexpr (std::is_same_v<T, Half>) {
        group[i] = UnitHalf(b[i]);
      } else if constexpr (std::is_same_v<T, BFloat16>) {
        group[i] = UnitBFloat16(b[i]);
      } else {
        group[i] = UnitFloat(b[i]);
      }
    }
    return group;
  }
}

template <typename T>
Group<T> NormalGroup(const Block& b) {
  if constexpr (std::is_same_v<T, double>) {
    const auto [first, second] = BoxMullerDouble(b[0], b[1], b[2], b[3]);
    return {first, second};
  } else {
    Group<T> group;
    for (size_t i = 0; i < group.size(); i += 2) {
      const auto [first, second] = BoxMullerFloat(b[i], b[i + 1]);
      group[i] = FromFloat<T>(first);
      group[i + 1] = FromFloat<T>(second);
    }
    return group;
  }
}

// Integers in [lo, lo + range) by the remainder of the raw bits, as TF does
// (slightly biased unless range is a power of two). Computed unsigned so
// that lo + offset wraps like TF's int arithmetic instead of overflowing.
template <typename T>
Group<T> UniformIntGroup(const Block& b, T lo, std::make_unsigned_t<T> range) {
  using U = std::make_unsigned_t<T>;
  Group<T> group;
  for (size_t i = 0; i < group.size(); ++i) {
    U bits;
    if constexpr (sizeof(T) == 8) {  // two words, the first as the low half
      bits = uint64_t{b[2 * i]} | uint64_t{b[2 * i + 1]} << 32;
    } else {
      bits = b[i];
    }
    group[i] = static_cast<T>(static_cast<U>(lo) + bits % range);
  }
  return group;
}

// The words of a stream one at a time (TF's SingleSampleAdapter).
class WordSource {
 public:
  explicit WordSource(Philox4x32 stream) : stream_(stream) {}
  uint32_t operator()() {
    if (used_ == kWordsPerBlock) {
      block_ = stream_.Next();
      used_ = 0;
    }
    return block_[used_++];
  }

 private:
  Philox4x32 stream_;
  Block block_{};
  size_t used_ = kWordsPerBlock;
};

// Normals with |x| >= 2 rejected. Each group reads its own stretch of
// stream, so the values do not depend on how many draws earlier groups
// rejected.
template <typename T>
Group<T> TruncatedNormalGroup(Philox4x32 stream) {
  WordSource next(stream);
  Group<T> group;
  size_t filled = 0;
  for (;;) {
    std::array<uint32_t, sizeof(T) == 8 ? 4 : 2> words;
    for (uint32_t& w : words) w = next();  // in order: no argument reordering
    std::array<T, 2> candidates;
    bool inside[2];
    if constexpr (std::is_same_v<T, double>) {
      const auto [first, second] =
          BoxMullerDouble(words[0], words[1], words[2], words[3]);
      candidates = {first, second};
      inside[0] = std::abs(first) < 2.0;
      inside[1] = std::abs(second) < 2.0;
    } else {
      const auto [first, second] = BoxMullerFloat(words[0], words[1]);
      candidates = {FromFloat<T>(first), FromFloat<T>(second)};
      inside[0] = std::abs(first) < 2.0f;
      inside[1] = std::abs(second) < 2.0f;
    }
    for (size_t i = 0; i < 2; ++i) {
      if (!inside[i]) continue;
      group[filled++] = candidates[i];
      if (filled == group.size()) return group;
    }
  }
}

// Writes group after group (the last one cut short): group g comes from
// make_group(g).
template <typename T, typename MakeGroup>
void FillGroups(std::span<T> out, MakeGroup make_group) {
  uint64_t g = 0;
  for (size_t start = 0; start < out.size(); start += kPerBlock<T>, ++g) {
    const Group<T> group = make_group(g);
    std::copy_n(group.begin(), std::min(group.size(), out.size() - start),
                out.begin() + static_cast<std::ptrdiff_t>(start));
  }
}

// --- Kernels ---------------------------------------------------------------------

enum class Distribution { kUniform, kNormal, kTruncatedNormal };

StatusOr<Tensor> AllocateShapedOutput(OpKernelContext* ctx, DataType dtype) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                          IntValues(ctx, ctx->input(0), "shape"));
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
  return ctx->AllocateOutput(0, dtype, shape);
}

StatusOr<Fn> MakeRandomFloat(const Node& node, Distribution dist) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "dtype"));
  std::shared_ptr<GuardedPhilox> stream = MakeStream(node);
  return Fn([dtype, dist, stream](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, AllocateShapedOutput(ctx, dtype));
    return DispatchTypes<float, double, Half, BFloat16>(
        ctx, dtype, [&](auto tag) -> Status {
          using T = decltype(tag);
          Philox4x32 gen = stream->Reserve(out.num_elements());
          switch (dist) {
            case Distribution::kUniform:
              FillGroups(out.mutable_flat<T>(),
                         [&](uint64_t) { return UniformGroup<T>(gen.Next()); });
              break;
            case Distribution::kNormal:
              FillGroups(out.mutable_flat<T>(),
                         [&](uint64_t) { return NormalGroup<T>(gen.Next()); });
              break;
            case Distribution::kTruncatedNormal:
              FillGroups(out.mutable_flat<T>(), [&](uint64_t g) {
                Philox4x32 at = gen;
                at.Skip(g * kPerBlock<T> * kBlocksPerOutput / kWordsPerBlock);
                return TruncatedNormalGroup<T>(at);
              });
              break;
          }
          return OkStatus();
        });
  });
}

StatusOr<Fn> MakeRandomUniformInt(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dtype, GetTypeAttr(node, "Tout"));
  std::shared_ptr<GuardedPhilox> stream = MakeStream(node);
  return Fn([dtype, stream](OpKernelContext* ctx) -> Status {
    TFCKPT_RETURN_IF_ERROR(
        CheckInputs(ctx, {DataType::kInvalid, dtype, dtype}));
    for (const auto& [i, name] : {std::pair{1, "minval"}, {2, "maxval"}}) {
      if (ctx->input(i).shape().rank() != 0) {
        return InvalidArg(ctx, std::string(name) + " must be 0-D, got shape " +
                                   ctx->input(i).shape().DebugString());
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, AllocateShapedOutput(ctx, dtype));
    // An empty output needs no valid range (TF checks after this exit).
    if (out.num_elements() == 0) return OkStatus();
    return DispatchTypes<int32_t, int64_t>(ctx, dtype, [&](auto tag) -> Status {
      using T = decltype(tag);
      using U = std::make_unsigned_t<T>;
      const T lo = ctx->input(1).flat<T>()[0];
      const T hi = ctx->input(2).flat<T>()[0];
      if (!(lo < hi)) {
        return InvalidArg(ctx, "Need minval < maxval, got " +
                                   std::to_string(lo) +
                                   " >= " + std::to_string(hi));
      }
      const U range = static_cast<U>(static_cast<U>(hi) - static_cast<U>(lo));
      Philox4x32 gen = stream->Reserve(out.num_elements());
      FillGroups(out.mutable_flat<T>(), [&](uint64_t) {
        return UniformIntGroup<T>(gen.Next(), lo, range);
      });
      return OkStatus();
    });
  });
}

}  // namespace

Status RegisterRandomKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("RandomStandardNormal", [](const Node& n) {
    return MakeRandomFloat(n, Distribution::kNormal);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("TruncatedNormal", [](const Node& n) {
    return MakeRandomFloat(n, Distribution::kTruncatedNormal);
  }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("RandomUniform", [](const Node& n) {
    return MakeRandomFloat(n, Distribution::kUniform);
  }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("RandomUniformInt", MakeRandomUniformInt));
  return OkStatus();
}

}  // namespace tfckpt::internal
