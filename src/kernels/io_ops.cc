// Checkpoint I/O kernels (SaveV2, RestoreV2, MergeV2Checkpoints) and the
// string ops the Saver's graph uses (ShardedFilename, StringJoin,
// StaticRegexFullMatch). The only kernels that use the bundle layer.
#include <cstdio>
#include <regex>
#include <span>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_state.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

StatusOr<std::string> StringScalar(const OpKernelContext* ctx, int i,
                                   const std::string& what) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DataType::kString || t.num_elements() != 1) {
    return InvalidArg(ctx, what + " must be a string scalar, got " +
                               t.DebugString());
  }
  return t.strings()[0];
}

StatusOr<std::vector<std::string>> StringVector(const OpKernelContext* ctx,
                                                int i, const std::string& what,
                                                size_t expected) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DataType::kString || t.shape().rank() != 1 ||
      static_cast<size_t>(t.num_elements()) != expected) {
    return InvalidArg(ctx, what + " must be a string vector of " +
                               std::to_string(expected) + " elements, got " +
                               t.DebugString());
  }
  return t.strings();
}

StatusOr<Fn> MakeSaveV2(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() < 3) return InvalidArg(ctx, "SaveV2 needs 3 inputs");
    const size_t n = static_cast<size_t>(ctx->num_inputs() - 3);
    TFCKPT_ASSIGN_OR_RETURN(std::string prefix, StringScalar(ctx, 0, "prefix"));
    TFCKPT_ASSIGN_OR_RETURN(auto names,
                            StringVector(ctx, 1, "tensor_names", n));
    TFCKPT_ASSIGN_OR_RETURN(auto slices,
                            StringVector(ctx, 2, "shape_and_slices", n));
    std::vector<SaveEntry> tensors;
    tensors.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      tensors.push_back({names[i], ctx->input(static_cast<int>(i + 3)), slices[i]});
    }
    WriteBundleOptions options;
    options.writer.file_system = ctx->file_system();
    return WriteBundle(prefix, tensors, options);
  });
}

StatusOr<std::unique_ptr<BundleReader>> OpenForRestore(
    const OpKernelContext* ctx, const std::string& prefix) {
  if (!CheckpointExists(prefix, ctx->file_system())) {
    return ctx->NodeError(
        StatusCode::kNotFound,
        "Unsuccessful TensorSliceReader constructor: Failed to find any "
        "matching files for " + prefix);
  }
  BundleReaderOptions options;
  options.file_system = ctx->file_system();
  return BundleReader::Open(prefix, options);
}

StatusOr<Fn> MakeRestoreV2(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<DataType> dtypes,
                          GetTypeListAttr(node, "dtypes"));
  return Fn([dtypes](OpKernelContext* ctx) -> Status {
    TFCKPT_RETURN_IF_ERROR(CheckInputs(
        ctx, {DataType::kString, DataType::kString, DataType::kString}));
    TFCKPT_ASSIGN_OR_RETURN(std::string prefix, StringScalar(ctx, 0, "prefix"));
    TFCKPT_ASSIGN_OR_RETURN(
        auto names, StringVector(ctx, 1, "tensor_names", dtypes.size()));
    TFCKPT_ASSIGN_OR_RETURN(
        auto slices, StringVector(ctx, 2, "shape_and_slices", dtypes.size()));
    TFCKPT_ASSIGN_OR_RETURN(auto reader, OpenForRestore(ctx, prefix));
    // TF checks every dtype first and reports all mismatches at once.
    std::string mismatches;
    std::vector<BundleEntryInfo> infos;
    for (size_t i = 0; i < names.size(); ++i) {
      auto info = reader->GetEntryInfo(names[i]);
      if (!info.ok()) {
        return ctx->NodeError(StatusCode::kNotFound,
                              "Key " + names[i] + " not found in checkpoint");
      }
      if (info->dtype != dtypes[i]) {
        mismatches += "tensor_name = " + names[i] + "; expected dtype " +
                      DataTypeString(dtypes[i]) +
                      " does not equal original dtype " +
                      DataTypeString(info->dtype) + "\n";
      }
      infos.push_back(*std::move(info));
    }
    if (!mismatches.empty()) return InvalidArg(ctx, mismatches);
    // Whole tensors are read together (one pass over the index, parallel
    // reads and checksums); slices one by one.
    std::vector<int> whole;
    std::vector<std::string> whole_names;
    for (size_t i = 0; i < names.size(); ++i) {
      TFCKPT_ASSIGN_OR_RETURN(std::optional<ShapeAndSlice> slice,
                              ParseShapeAndSlice(slices[i]));
      if (slice.has_value()) {
        TFCKPT_ASSIGN_OR_RETURN(Tensor t,
                                reader->ReadSlice(names[i], slice->slice));
        ctx->set_output(static_cast<int>(i), std::move(t));
      } else {
        whole.push_back(static_cast<int>(i));
        whole_names.push_back(names[i]);
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(std::vector<Tensor> tensors,
                            reader->ReadTensors(whole_names));
    for (size_t k = 0; k < whole.size(); ++k) {
      ctx->set_output(whole[k], std::move(tensors[k]));
    }
    return OkStatus();
  });
}

// Joins the source bundles at the destination as TF does (their data files
// are renamed, no bytes copied), then deletes what is left of the sources.
StatusOr<Fn> MakeMergeV2Checkpoints(const Node& node) {
  const bool delete_old_dirs = GetBoolAttrOr(node, "delete_old_dirs", true);
  return Fn([delete_old_dirs](OpKernelContext* ctx) -> Status {
    const Tensor& sources = ctx->input(0);
    if (sources.dtype() != DataType::kString || sources.shape().rank() != 1) {
      return InvalidArg(ctx, "checkpoint_prefixes must be a string vector");
    }
    TFCKPT_ASSIGN_OR_RETURN(std::string dest,
                            StringScalar(ctx, 1, "destination_prefix"));
    for (const std::string& source : sources.strings()) {
      TFCKPT_RETURN_IF_ERROR(OpenForRestore(ctx, source).status());
    }
    BundleWriterOptions options;
    options.file_system = ctx->file_system();
    TFCKPT_RETURN_IF_ERROR(MergeBundles(sources.strings(), dest, options));
    for (const std::string& source : sources.strings()) {
      if (source == dest) continue;
      TFCKPT_RETURN_IF_ERROR(
          RemoveCheckpoint(source, "meta", ctx->file_system()));
      if (delete_old_dirs && DirName(source) != DirName(dest)) {
        // TF removes the (now empty) temporary directory; failure is fine.
        ctx->file_system()->Delete(DirName(source)).IgnoreError();
      }
    }
    return OkStatus();
  });
}

StatusOr<Fn> MakeShardedFilename(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(std::string base, StringScalar(ctx, 0, "basename"));
    TFCKPT_ASSIGN_OR_RETURN(int64_t shard,
                            IntScalar(ctx, ctx->input(1), "shard"));
    TFCKPT_ASSIGN_OR_RETURN(int64_t num,
                            IntScalar(ctx, ctx->input(2), "num_shards"));
    char tail[64];
    std::snprintf(tail, sizeof(tail), "-%05lld-of-%05lld",
                  static_cast<long long>(shard), static_cast<long long>(num));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor t, Tensor::FromStrings(TensorShape{}, {base + tail}));
    ctx->set_output(0, t);
    return OkStatus();
  });
}

// Joins string tensors elementwise; scalars broadcast to the others' shape.
StatusOr<Fn> MakeStringJoin(const Node& node) {
  const std::string separator = GetStringAttrOr(node, "separator", "");
  return Fn([separator](OpKernelContext* ctx) -> Status {
    TensorShape shape;
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      const Tensor& t = ctx->input(i);
      if (t.dtype() != DataType::kString) {
        return InvalidArg(ctx, "StringJoin inputs must be strings");
      }
      if (t.shape().rank() == 0) continue;
      if (shape.rank() != 0 && !(shape == t.shape())) {
        return InvalidArg(ctx, "Input shapes do not match: " +
                                   shape.DebugString() + " vs. " +
                                   t.shape().DebugString());
      }
      shape = t.shape();
    }
    std::vector<std::string> out(static_cast<size_t>(shape.num_elements()));
    for (size_t e = 0; e < out.size(); ++e) {
      for (int i = 0; i < ctx->num_inputs(); ++i) {
        const Tensor& t = ctx->input(i);
        if (i > 0) out[e] += separator;
        out[e] += t.strings()[t.shape().rank() == 0 ? 0 : e];
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::FromStrings(shape, std::move(out)));
    ctx->set_output(0, t);
    return OkStatus();
  });
}

// Whether each string fully matches the `pattern` attr. TF uses RE2;
// std::regex's ECMAScript grammar agrees on the patterns TF's graphs use
// (the sharded Saver's "^s3://.*").
StatusOr<Fn> MakeStaticRegexFullMatch(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(std::string pattern, GetStringAttr(node, "pattern"));
  std::shared_ptr<const std::regex> regex;
  try {
    regex = std::make_shared<const std::regex>(pattern);
  } catch (const std::regex_error& e) {  // std::regex only reports by throwing
    return InvalidArgumentError("Node '" + node.name() + "': invalid pattern '" +
                                pattern + "': " + e.what());
  }
  return Fn([regex](OpKernelContext* ctx) -> Status {
    const Tensor& in = ctx->input(0);
    if (in.dtype() != DataType::kString) {
      return InvalidArg(ctx, "StaticRegexFullMatch input must be strings");
    }
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor out, ctx->AllocateOutput(0, DataType::kBool, in.shape()));
    std::span<bool> matched = out.mutable_flat<bool>();
    for (size_t i = 0; i < matched.size(); ++i) {
      matched[i] = std::regex_match(in.strings()[i], *regex);
    }
    return OkStatus();
  });
}

}  // namespace

Status RegisterIoKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("SaveV2", MakeSaveV2));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("RestoreV2", MakeRestoreV2));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("MergeV2Checkpoints", MakeMergeV2Checkpoints));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ShardedFilename", MakeShardedFilename));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("StringJoin", MakeStringJoin));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("StaticRegexFullMatch", MakeStaticRegexFullMatch));
  return OkStatus();
}

}  // namespace tfckpt::internal
