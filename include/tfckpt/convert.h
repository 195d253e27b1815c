// Conversion between TensorFlow checkpoints and the common tensor files of
// other frameworks: safetensors and NumPy .npz.
//
//   ConvertOptions options;
//   options.rename = {{"dense/kernel", "fc.weight"}};
//   TFCKPT_ASSIGN_OR_RETURN(ConvertResult r,
//                           Convert("run/ckpt-3", "model.safetensors", options));
//
// The format of a path is its extension: ".safetensors", ".npz", anything
// else a TensorFlow checkpoint (read: V1, V2 or TF2 object-based; written:
// V2 with one data shard, or V1, one SSTable file, when asked). Conversion
// streams: one tensor is in memory at a time (a safetensors header is written
// first, from the sizes the source lists).
// Element bytes and dtypes are kept exactly. What a format cannot hold is
// skipped and reported, never approximated:
//   * safetensors: no strings, complex128, quantized, 4-bit or float8 types
//     other than F8_E5M2 and F8_E4M3 (E4M3FN);
//   * V1 checkpoints: what TensorFlow's V1 writer refuses (bfloat16, uint32,
//     uint64, qint16, quint16, 4-bit and float8 types);
//   * .npz: no strings. NumPy has no bfloat16, float8 or quantized types:
//     those are stored as the unsigned integer of the same width (bfloat16 as
//     uint16 bit patterns) and the archive gets one more member,
//     "__tfckpt_dtypes__.npy", a 0-d bytes array holding the JSON object
//     {"tensor name": "bfloat16", ...}, which reading uses to restore them.
// Files read are validated strictly: a safetensors header is at most
// 100 MB, must start with '{', have no duplicate names, offsets contiguous
// from 0 without holes, and end exactly at the end of the file; .npz members must be stored (np.savez, not
// np.savez_compressed), C-order .npy v1/v2/v3 files whose size matches their
// header, with a matching CRC-32.
//
// Thread safety: TensorSource const methods may be called concurrently;
// Convert is thread-compatible.
#ifndef TFCKPT_CONVERT_H_
#define TFCKPT_CONVERT_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"

namespace tfckpt {

enum class TensorFileFormat { kCheckpoint, kSafetensors, kNpz };

// By extension: ".safetensors", ".npz", otherwise kCheckpoint.
TensorFileFormat TensorFileFormatOf(std::string_view path);

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
};

// Named tensors of a checkpoint, a safetensors file or an .npz archive,
// listed up front and read one at a time.
class TensorSource {
 public:
  // Opens `path` in the format TensorFileFormatOf() gives; a checkpoint
  // through CheckpointReader (a prefix or V1 pattern, not a directory).
  static StatusOr<std::unique_ptr<TensorSource>> Open(const std::string& path,
                                                      FileSystem* fs = nullptr);

  virtual ~TensorSource() = default;
  // In the order the file stores them (checkpoints: name order).
  virtual const std::vector<TensorInfo>& tensors() const = 0;
  // NOT_FOUND for an unknown name.
  virtual StatusOr<Tensor> Read(std::string_view name) const = 0;
};

// How a checkpoint destination is written.
enum class CheckpointVersion {
  kV2,  // PREFIX.index + PREFIX.data-00000-of-00001
  kV1,  // one file at the path, as Saver(write_version=V1) writes it
};

struct ConvertOptions {
  // Source name -> destination name; names not listed keep their name.
  std::map<std::string, std::string> rename;
  // Used only when the destination is a checkpoint.
  CheckpointVersion checkpoint_version = CheckpointVersion::kV2;
  // nullptr means FileSystem::Default().
  FileSystem* file_system = nullptr;
};

struct ConvertResult {
  // Destination names, in the order written.
  std::vector<std::string> written;
  // "name: reason" for each tensor the destination format cannot hold.
  std::vector<std::string> skipped;
};

// Writes every tensor of `source` to `dst` (format by extension). A rename
// to a name already written gives INVALID_ARGUMENT.
StatusOr<ConvertResult> ConvertTensors(const TensorSource& source,
                                       const std::string& dst,
                                       const ConvertOptions& options = {});

// TensorSource::Open(src), then ConvertTensors.
StatusOr<ConvertResult> Convert(const std::string& src, const std::string& dst,
                                const ConvertOptions& options = {});

// Parses a rename mapping file: a JSON object {"source name": "new name"}.
StatusOr<std::map<std::string, std::string>> ParseRenameMap(std::string_view json,
                                                            std::string_view source);

}  // namespace tfckpt

#endif  // TFCKPT_CONVERT_H_
