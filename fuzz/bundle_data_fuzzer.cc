// Fuzzes a whole single-shard bundle. Input layout:
//   fixed32 little-endian n, then n bytes of PREFIX.index, then the bytes of
//   data shard 0 (n is clamped to what is there).
// Every tensor is listed, read every way and verified.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "src/base/coding.h"
#include "src/bundle/naming.h"
#include "tfckpt/bundle_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfckpt::fuzzing::MemFileSystem;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint32_t index_size = 0;
  if (!tfckpt::internal::GetFixed32(&input, &index_size)) return 0;
  const size_t split = std::min<size_t>(index_size, input.size());
  MemFileSystem fs;
  fs.SetFile(tfckpt::internal::MetaFilename("fuzz/model"), input.substr(0, split));
  auto reader = tfckpt::BundleReader::Open("fuzz/model", {.file_system = &fs});
  if (!reader.ok()) return 0;
  fs.SetFile(tfckpt::internal::DataFilename("fuzz/model", 0, (*reader)->num_shards()),
             input.substr(split));
  tfckpt::fuzzing::ExerciseBundle(**reader, /*verify=*/true);
  return 0;
}
