// Renders values the way Python's protobuf text_format does, so state files
// we write are byte-identical to TensorFlow's.
#ifndef TFCKPT_SRC_CHECKPOINT_PYTHON_FORMAT_H_
#define TFCKPT_SRC_CHECKPOINT_PYTHON_FORMAT_H_

#include <string>
#include <string_view>

namespace tfckpt::internal {

// Python's repr(float): shortest round-trip digits, fixed notation for
// 1e-4 <= |x| < 1e16 (always with a fractional part, "2.0"), otherwise
// "1.5e+16" / "1e-05"; "inf", "-inf", "nan".
std::string PythonFloatRepr(double value);

// text_format's CEscape of a string field: \n \r \t \" \' \\ escaped, other
// bytes below 0x20 or from 0x7f up as three octal digits.
std::string PythonCEscape(std::string_view bytes);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_CHECKPOINT_PYTHON_FORMAT_H_
