// Fuzzes the DT_STRING tensor decoder. Input layout: fixed16 little-endian
// element count, then the encoded tensor. Whatever decodes must re-encode to
// the same entry checksum (it covers the lengths as fixed-width integers,
// so it does not depend on how the varints were spelled) and decode back to
// the same strings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/bundle/string_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int64_t count = data[0] | (data[1] << 8);
  const std::string_view encoded(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<std::string> values;
  uint32_t crc = 0;
  if (!tfckpt::internal::DecodeStringTensor(encoded, count, &values, &crc).ok()) return 0;
  if (values.size() != static_cast<size_t>(count)) {
    tfckpt::fuzzing::Fail("decoded " + std::to_string(values.size()) + " strings, asked for " +
                          std::to_string(count));
  }
  std::string reencoded;
  const uint32_t reencoded_crc = tfckpt::internal::EncodeStringTensor(values, &reencoded);
  if (reencoded_crc != crc) tfckpt::fuzzing::Fail("re-encoding changed the entry checksum");
  std::vector<std::string> again;
  uint32_t again_crc = 0;
  if (!tfckpt::internal::DecodeStringTensor(reencoded, count, &again, &again_crc).ok() ||
      again != values || again_crc != crc) {
    tfckpt::fuzzing::Fail("re-encoded string tensor does not decode to the same strings");
  }
  return 0;
}
