#include "src/bundle/string_codec.h"

#include <limits>

#include "src/base/coding.h"
#include "src/base/crc32c.h"

namespace tfckpt::internal {
namespace {

// The checksum covers each length as a fixed-width integer (not the varint).
uint32_t ExtendWithLength(uint32_t crc, uint64_t length) {
  char buf[8];
  if (length <= std::numeric_limits<uint32_t>::max()) {
    EncodeFixed32(buf, static_cast<uint32_t>(length));
    return crc32c::Extend(crc, buf, 4);
  }
  EncodeFixed64(buf, length);
  return crc32c::Extend(crc, buf, 8);
}

}  // namespace

uint32_t EncodeStringTensor(std::span<const std::string> values, std::string* out) {
  uint32_t crc = 0;
  for (const std::string& s : values) {
    PutVarint64(out, s.size());
    crc = ExtendWithLength(crc, s.size());
  }
  char masked[4];
  EncodeFixed32(masked, crc32c::Mask(crc));
  out->append(masked, sizeof(masked));
  crc = crc32c::Extend(crc, masked, sizeof(masked));
  for (const std::string& s : values) {
    out->append(s);
    crc = crc32c::Extend(crc, s);
  }
  return crc;
}

Status DecodeStringTensor(std::string_view encoded, int64_t count,
                          std::vector<std::string>* values, uint32_t* crc) {
  // Every element needs at least its one-byte length, plus the checksum.
  if (count < 0 || static_cast<uint64_t>(count) > encoded.size()) {
    return DataLossError("string tensor of " + std::to_string(count) +
                         " elements cannot fit in " + std::to_string(encoded.size()) +
                         " bytes");
  }
  std::vector<uint64_t> lengths(static_cast<size_t>(count));
  uint32_t running = 0;
  uint64_t total = 0;
  std::string_view input = encoded;
  for (uint64_t& length : lengths) {
    if (!GetVarint64(&input, &length)) {
      return DataLossError("string tensor: malformed length varint at byte " +
                           std::to_string(encoded.size() - input.size()));
    }
    if (length > input.size() || total + length > input.size()) {
      return DataLossError("string tensor: element lengths add up to more than the " +
                           std::to_string(encoded.size()) + " stored bytes");
    }
    total += length;
    running = ExtendWithLength(running, length);
  }
  uint32_t stored = 0;
  std::string_view masked = input.substr(0, 4);
  if (!GetFixed32(&input, &stored)) {
    return DataLossError("string tensor: missing length checksum");
  }
  if (crc32c::Unmask(stored) != running) {
    return DataLossError("string tensor: length checksum mismatch");
  }
  running = crc32c::Extend(running, masked);
  if (input.size() != total) {
    return DataLossError("string tensor: " + std::to_string(input.size()) +
                         " bytes of string data but the lengths add up to " +
                         std::to_string(total));
  }
  values->clear();
  values->reserve(lengths.size());
  for (const uint64_t length : lengths) {
    values->emplace_back(input.substr(0, length));
    input.remove_prefix(length);
  }
  *crc = crc32c::Extend(running, encoded.substr(encoded.size() - total));
  return OkStatus();
}

}  // namespace tfckpt::internal
