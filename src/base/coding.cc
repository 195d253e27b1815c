#include "src/base/coding.h"

namespace tfckpt::internal {

void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof(buf));
}

void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  EncodeFixed64(buf, value);
  dst->append(buf, sizeof(buf));
}

int EncodeVarint64(char* dst, uint64_t value) {
  int n = 0;
  while (value >= 0x80) {
    dst[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  dst[n++] = static_cast<char>(value);
  return n;
}

void PutVarint32(std::string* dst, uint32_t value) { PutVarint64(dst, value); }

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  dst->append(buf, static_cast<size_t>(EncodeVarint64(buf, value)));
}

int VarintLength(uint64_t value) {
  int length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

bool GetFixed32(std::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  *value = DecodeFixed32(input->data());
  input->remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  *value = DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

bool GetVarint64(std::string_view* input, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < input->size() && i < kMaxVarint64Bytes; ++i) {
    const auto byte = static_cast<uint64_t>(static_cast<unsigned char>((*input)[i]));
    // The tenth byte may only contribute the top bit.
    if (i == kMaxVarint64Bytes - 1 && byte > 1) return false;
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *value = result;
      input->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

bool GetVarint32(std::string_view* input, uint32_t* value) {
  std::string_view probe = *input;
  uint64_t wide = 0;
  if (!GetVarint64(&probe, &wide) || wide > UINT32_MAX ||
      input->size() - probe.size() > kMaxVarint32Bytes) {
    return false;
  }
  *value = static_cast<uint32_t>(wide);
  *input = probe;
  return true;
}

}  // namespace tfckpt::internal
