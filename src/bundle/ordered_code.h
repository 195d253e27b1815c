// OrderedCode: TensorFlow's order-preserving encoding of numbers and strings,
// used to build the index keys of partitioned-tensor slices. Encoded values
// compare (bytewise) in the same order as the values.
#ifndef TFCKPT_SRC_BUNDLE_ORDERED_CODE_H_
#define TFCKPT_SRC_BUNDLE_ORDERED_CODE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tfckpt::internal::ordered_code {

// A length byte (0..8), then the value's significant bytes, big-endian.
void WriteNumIncreasing(std::string* dst, uint64_t value);
// The bytes with 0x00 -> 00 ff and 0xff -> ff 00, then the terminator 00 01.
void WriteString(std::string* dst, std::string_view value);
// A self-delimiting signed encoding: 1 byte for -64..63, up to 10 bytes.
void WriteSignedNumIncreasing(std::string* dst, int64_t value);

// Each Read* consumes one encoded value from the front of `src`; false when
// the bytes are not a valid encoding.
bool ReadNumIncreasing(std::string_view* src, uint64_t* value);
bool ReadString(std::string_view* src, std::string* value);
bool ReadSignedNumIncreasing(std::string_view* src, int64_t* value);

}  // namespace tfckpt::internal::ordered_code

#endif  // TFCKPT_SRC_BUNDLE_ORDERED_CODE_H_
