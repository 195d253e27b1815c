#include "src/bundle/ordered_code.h"

#include <array>

namespace tfckpt::internal::ordered_code {
namespace {

constexpr char kEscape1 = '\x00';
constexpr char kNullCharacter = '\xff';  // follows kEscape1 for a literal 0x00
constexpr char kSeparator = '\x01';      // follows kEscape1 to end a string
constexpr char kEscape2 = '\xff';
constexpr char kFFCharacter = '\x00';    // follows kEscape2 for a literal 0xff

// Bits of the first two bytes that encode the length of a signed number of
// 1..10 bytes.
constexpr std::array<uint8_t, 11> kLengthBitsByte0 = {0,    0x80, 0xc0, 0xe0, 0xf0, 0xf8,
                                                      0xfc, 0xfe, 0xff, 0xff, 0xff};
constexpr std::array<uint8_t, 11> kLengthBitsByte1 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xc0};

int BitLength(uint64_t x) {
  int bits = 0;
  while (x != 0) {
    ++bits;
    x >>= 1;
  }
  return bits;
}

}  // namespace

void WriteNumIncreasing(std::string* dst, uint64_t value) {
  char buf[9];
  int length = 0;
  for (uint64_t v = value; v != 0; v >>= 8) ++length;
  buf[0] = static_cast<char>(length);
  for (int i = length; i > 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  dst->append(buf, static_cast<size_t>(length + 1));
}

void WriteString(std::string* dst, std::string_view value) {
  for (const char c : value) {
    if (c == kEscape1) {
      dst->push_back(kEscape1);
      dst->push_back(kNullCharacter);
    } else if (c == kEscape2) {
      dst->push_back(kEscape2);
      dst->push_back(kFFCharacter);
    } else {
      dst->push_back(c);
    }
  }
  dst->push_back(kEscape1);
  dst->push_back(kSeparator);
}

void WriteSignedNumIncreasing(std::string* dst, int64_t value) {
  const uint64_t x = value < 0 ? ~static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (x < 64) {
    dst->push_back(static_cast<char>(0x80 ^ static_cast<uint8_t>(value)));
    return;
  }
  const int bits = BitLength(x);
  const int length = bits <= 62 ? bits / 7 + 1 : 10;
  // Big-endian two's complement, sign-extended to 10 bytes; keep the tail.
  std::array<uint8_t, 10> bytes{};
  const uint8_t fill = value < 0 ? 0xff : 0x00;
  bytes.fill(fill);
  auto v = static_cast<uint64_t>(value);
  for (int i = 9; i >= 2; --i) {
    bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  uint8_t* out = bytes.data() + (10 - length);
  out[0] = static_cast<uint8_t>(out[0] ^ kLengthBitsByte0[static_cast<size_t>(length)]);
  out[1] = static_cast<uint8_t>(out[1] ^ kLengthBitsByte1[static_cast<size_t>(length)]);
  dst->append(reinterpret_cast<const char*>(out), static_cast<size_t>(length));
}

bool ReadNumIncreasing(std::string_view* src, uint64_t* value) {
  if (src->empty()) return false;
  const auto length = static_cast<size_t>(static_cast<uint8_t>((*src)[0]));
  if (length > 8 || src->size() < length + 1) return false;
  uint64_t result = 0;
  for (size_t i = 1; i <= length; ++i) {
    result = (result << 8) | static_cast<uint8_t>((*src)[i]);
  }
  *value = result;
  src->remove_prefix(length + 1);
  return true;
}

bool ReadString(std::string_view* src, std::string* value) {
  std::string result;
  for (size_t i = 0; i + 1 < src->size(); ++i) {
    const char c = (*src)[i];
    if (c == kEscape1) {
      const char next = (*src)[i + 1];
      if (next == kSeparator) {
        *value = std::move(result);
        src->remove_prefix(i + 2);
        return true;
      }
      if (next != kNullCharacter) return false;
      result.push_back('\0');
      ++i;
    } else if (c == kEscape2) {
      if ((*src)[i + 1] != kFFCharacter) return false;
      result.push_back('\xff');
      ++i;
    } else {
      result.push_back(c);
    }
  }
  return false;
}

bool ReadSignedNumIncreasing(std::string_view* src, int64_t* value) {
  if (src->empty()) return false;
  const auto first = static_cast<uint8_t>((*src)[0]);
  const bool negative = (first & 0x80) == 0;
  // Length = number of leading bits equal to the sign bit's complement, read
  // from the first two bytes (with the sign folded away).
  const uint16_t head = static_cast<uint16_t>(
      ((negative ? ~first : first) & 0xff) << 8 |
      (src->size() > 1 ? ((negative ? ~static_cast<uint8_t>((*src)[1])
                                    : static_cast<uint8_t>((*src)[1])) & 0xff)
                       : 0));
  size_t length = 0;
  while (length < 10 && (head & (0x8000u >> length)) != 0) ++length;
  if (length == 0 || length > 10 || src->size() < length) return false;
  std::array<uint8_t, 10> bytes{};
  for (size_t i = 0; i < length; ++i) bytes[i] = static_cast<uint8_t>((*src)[i]);
  bytes[0] = static_cast<uint8_t>(bytes[0] ^ kLengthBitsByte0[length]);
  if (length > 1) bytes[1] = static_cast<uint8_t>(bytes[1] ^ kLengthBitsByte1[length]);
  // What remains is the value's big-endian two's complement tail.
  uint64_t result = negative ? ~uint64_t{0} : 0;
  for (size_t i = 0; i < length; ++i) result = (result << 8) | bytes[i];
  *value = static_cast<int64_t>(result);
  src->remove_prefix(length);
  return true;
}

}  // namespace tfckpt::internal::ordered_code
