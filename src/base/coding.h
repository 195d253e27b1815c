// Little-endian fixed-width integers and protobuf-style varints.
//   Put*: append to a std::string.
//   Get*: consume from the front of a std::string_view; false when the input
//         is too short or malformed (the view is then unspecified).
//   Encode*/Decode*: raw buffers of the exact width.
#ifndef TFCKPT_SRC_BASE_CODING_H_
#define TFCKPT_SRC_BASE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tfckpt::internal {

constexpr int kMaxVarint32Bytes = 5;
constexpr int kMaxVarint64Bytes = 10;

inline void EncodeFixed32(char* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}
inline void EncodeFixed64(char* dst, uint64_t value) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* src) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(src[i]);
  }
  return value;
}
inline uint64_t DecodeFixed64(const char* src) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(src[i]);
  }
  return value;
}

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
// Writes a varint into `dst` (at least kMaxVarint64Bytes long); returns the
// number of bytes written.
int EncodeVarint64(char* dst, uint64_t value);
// Number of bytes the varint encoding of `value` takes.
int VarintLength(uint64_t value);

bool GetFixed32(std::string_view* input, uint32_t* value);
bool GetFixed64(std::string_view* input, uint64_t* value);
bool GetVarint32(std::string_view* input, uint32_t* value);
bool GetVarint64(std::string_view* input, uint64_t* value);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BASE_CODING_H_
