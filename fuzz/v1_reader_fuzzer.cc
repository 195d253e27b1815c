// Fuzzes V1 checkpoints (TensorFlow's TensorSliceReader format): the input
// is one V1 SSTable, opened through CheckpointReader (no .index exists, so
// it is read as V1), every tensor read every way and the file verified.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "tfckpt/checkpoint_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tfckpt::fuzzing::MemFileSystem fs;
  fs.SetFile("fuzz/model.ckpt", bytes);
  auto reader = tfckpt::CheckpointReader::Open("fuzz/model.ckpt", {.file_system = &fs});
  if (!reader.ok()) return 0;
  if ((*reader)->format() != tfckpt::CheckpointFormat::kV1) {
    tfckpt::fuzzing::Fail("a lone V1 file opened as a V2 bundle");
  }
  tfckpt::fuzzing::ExerciseReader(**reader, /*verify=*/true);
  return 0;
}
