// Readers and writers of safetensors files and NumPy .npz archives, and the
// plan ConvertTensors hands them. Used through tfckpt/convert.h.
#ifndef TFCKPT_SRC_FORMATS_TENSOR_FILES_H_
#define TFCKPT_SRC_FORMATS_TENSOR_FILES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/convert.h"
#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

// One tensor to write: read `source_name`, store it as `name`.
struct PlannedTensor {
  std::string source_name;
  std::string name;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
};

// --- safetensors ------------------------------------------------------------

// The reference implementation's limit on the JSON header.
inline constexpr uint64_t kSafetensorsMaxHeaderSize = 100'000'000;

// "F32", "BF16", ...; nullopt for dtypes safetensors cannot hold.
std::optional<std::string_view> SafetensorsDtype(DataType dtype);

StatusOr<std::unique_ptr<TensorSource>> OpenSafetensors(const std::string& path,
                                                        FileSystem* fs);

// Writes the header for `plan`, then each tensor's bytes in plan order.
// REQUIRES: every dtype has a SafetensorsDtype().
Status WriteSafetensors(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                        const std::string& path, FileSystem* fs);

// --- .npy / .npz ------------------------------------------------------------

// The archive member that records the TensorFlow dtype of tensors NumPy has
// no type for.
inline constexpr std::string_view kNpzDtypesMember = "__tfckpt_dtypes__";

// True when an .npz can hold `dtype` (natively or through the dtypes member).
bool NpzSupports(DataType dtype);

// The .npy header ("\x93NUMPY", version, length, dict, padding to 64 bytes)
// for a C-order array of `descr` and `shape`.
std::string NpyHeader(std::string_view descr, const TensorShape& shape);

StatusOr<std::unique_ptr<TensorSource>> OpenNpz(const std::string& path, FileSystem* fs);

// REQUIRES: every dtype NpzSupports().
Status WriteNpz(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                const std::string& path, FileSystem* fs);

// CRC-32 (ISO-HDLC, as zip and zlib), continuing from `crc`.
uint32_t Crc32(uint32_t crc, std::string_view data);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_FORMATS_TENSOR_FILES_H_
