// Fuzzes a bundle's .index: the input is PREFIX.index; the same bytes also
// serve as data shard 0, so reads get past the bounds checks to the
// checksums.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "fuzz/mem_file_system.h"
#include "src/bundle/naming.h"
#include "tfckpt/bundle_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tfckpt::fuzzing::MemFileSystem;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  MemFileSystem fs;
  fs.SetFile(tfckpt::internal::MetaFilename("fuzz/model"), bytes);
  auto reader = tfckpt::BundleReader::Open("fuzz/model", {.file_system = &fs});
  if (!reader.ok()) return 0;
  fs.SetFile(tfckpt::internal::DataFilename("fuzz/model", 0, (*reader)->num_shards()), bytes);
  tfckpt::fuzzing::ExerciseBundle(**reader, /*verify=*/false);
  return 0;
}
