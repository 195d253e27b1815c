// tfckpt dump PREFIX NAME [--json]: the values of one tensor.
//
// JSON numbers are written by hand: nlohmann keeps numbers as double, which
// would lose int64/uint64 digits and print float32 values with double
// precision (0.1f as 0.10000000149011612).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/dtype.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tools/tfckpt/cli.h"
#include "tools/tfckpt/progress.h"

namespace tfckpt::cli {
namespace {

struct DumpOptions {
  std::string prefix;
  std::string name;
  bool json = false;
};

enum class Style { kJson, kText };

// Shortest decimal that reads back as the same value of type F (float or
// double); nan and infinities as words, quoted in JSON.
template <typename F>
void AppendFloat(F v, Style style, std::string* out) {
  const char* word = nullptr;
  if (std::isnan(v)) {
    word = "nan";
  } else if (std::isinf(v)) {
    word = v < 0 ? "-inf" : "inf";
  }
  if (word != nullptr) {
    if (style == Style::kJson) {
      *out += '"';
      *out += word;
      *out += '"';
    } else {
      *out += word;
    }
    return;
  }
  std::array<char, 64> buf;
  const std::to_chars_result r =
      std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out->append(buf.data(), r.ptr);
}

template <typename I>
void AppendInt(I v, std::string* out) {
  std::array<char, 32> buf;
  const std::to_chars_result r =
      std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out->append(buf.data(), r.ptr);
}

template <typename F>
void AppendComplex(std::complex<F> v, Style style, std::string* out) {
  *out += style == Style::kJson ? '[' : '(';
  AppendFloat(v.real(), style, out);
  *out += style == Style::kJson ? ", " : ",";
  AppendFloat(v.imag(), style, out);
  *out += style == Style::kJson ? ']' : ')';
}

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF,
// which JSON parsers would reject.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t trail;
    uint32_t cp;
    uint32_t min;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      trail = 1, cp = lead & 0x1Fu, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      trail = 2, cp = lead & 0x0Fu, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      trail = 3, cp = lead & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= trail) return false;
    for (size_t k = 1; k <= trail; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += trail + 1;
  }
  return true;
}

std::string Base64(std::string_view s) {
  static constexpr std::string_view kDigits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  for (size_t i = 0; i < s.size(); i += 3) {
    const size_t n = std::min<size_t>(3, s.size() - i);
    uint32_t group = 0;
    for (size_t k = 0; k < 3; ++k) {
      const uint32_t byte = k < n ? static_cast<unsigned char>(s[i + k]) : 0u;
      group = (group << 8) | byte;
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kDigits[(group >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

// Text form of a byte string: quoted, with control bytes (and every byte
// past ASCII unless `s` is valid UTF-8) escaped, so that nothing is lost and
// the terminal gets no control sequences.
void AppendQuotedBytes(std::string_view s, std::string* out) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  const bool utf8 = IsValidUtf8(s);
  *out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += ch;
    } else if (c == '\n') {
      *out += "\\n";
    } else if ((c >= 0x20 && c < 0x7F) || (utf8 && c >= 0x80)) {
      *out += ch;
    } else {
      *out += "\\x";
      *out += kHex[c >> 4];
      *out += kHex[c & 0xF];
    }
  }
  *out += '"';
}

void AppendString(std::string_view s, Style style, std::string* out) {
  if (style == Style::kText) {
    AppendQuotedBytes(s, out);
  } else if (IsValidUtf8(s)) {
    *out += JsonString(s);
  } else {
    *out += R"({"base64": ")" + Base64(s) + R"("})";
  }
}

// The small float formats (OCP float8 and float4 variants) as ml_dtypes
// defines them.
enum class Specials {
  kIeee,  // all-ones exponent: inf (mantissa 0) or nan
  kFn,    // no inf; nan is only the all-ones exponent and mantissa
  kFnuz,  // no inf, no -0; nan is the sign bit alone (0x80)
  kNone,  // every pattern is finite (float4_e2m1fn)
};
struct MiniFloat {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  Specials specials;
};

float DecodeMiniFloat(uint8_t bits, const MiniFloat& f) {
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const int width = 1 + f.exponent_bits + f.mantissa_bits;
  const bool negative = ((bits >> (width - 1)) & 1) != 0;
  const int exp_max = (1 << f.exponent_bits) - 1;
  const int man_max = (1 << f.mantissa_bits) - 1;
  const int exponent = (bits >> f.mantissa_bits) & exp_max;
  const int mantissa = bits & man_max;
  switch (f.specials) {
    case Specials::kIeee:
      if (exponent == exp_max) {
        if (mantissa != 0) return kNan;
        return negative ? -kInf : kInf;
      }
      break;
    case Specials::kFn:
      if (exponent == exp_max && mantissa == man_max) return kNan;
      break;
    case Specials::kFnuz:
      if (negative && exponent == 0 && mantissa == 0) return kNan;
      break;
    case Specials::kNone:
      break;
  }
  // Subnormals have exponent 0 and no implicit leading one.
  const int significand = exponent == 0 ? mantissa : mantissa + man_max + 1;
  const int scale = (exponent == 0 ? 1 : exponent) - f.bias - f.mantissa_bits;
  const float magnitude = std::ldexp(static_cast<float>(significand), scale);
  return negative ? -magnitude : magnitude;
}

// Sign-extends the low `bits` bits (int4/int2 keep one element per byte).
int SignExtend(uint8_t byte, int bits) {
  const int value = byte & ((1 << bits) - 1);
  return value >= (1 << (bits - 1)) ? value - (1 << bits) : value;
}

// Formats every element of `t`, in row-major order.
StatusOr<std::vector<std::string>> FormatValues(const Tensor& t, Style style) {
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(t.num_elements()));
  auto each = [&](auto tag, auto append) {
    using T = decltype(tag);
    for (const T& v : t.flat<T>()) {
      std::string s;
      append(v, &s);
      values.push_back(std::move(s));
    }
  };
  auto as_int = [](auto v, std::string* out) { AppendInt(v, out); };
  auto as_float = [style](auto v, std::string* out) {
    AppendFloat(v, style, out);
  };
  auto as_complex = [style](auto v, std::string* out) {
    AppendComplex(v, style, out);
  };
  auto mini = [&](MiniFloat format) {
    each(uint8_t{}, [&](uint8_t v, std::string* out) {
      AppendFloat(DecodeMiniFloat(v, format), style, out);
    });
  };
  auto small_int = [&](int bits, bool is_signed) {
    each(uint8_t{}, [&](uint8_t v, std::string* out) {
      AppendInt(is_signed ? SignExtend(v, bits) : v & ((1 << bits) - 1), out);
    });
  };

  switch (t.dtype()) {
    case DataType::kFloat:
      each(float{}, as_float);
      break;
    case DataType::kDouble:
      each(double{}, as_float);
      break;
    case DataType::kHalf:
      each(Half{}, [&](Half v, std::string* out) {
        AppendFloat(HalfToFloat(v), style, out);
      });
      break;
    case DataType::kBFloat16:
      each(BFloat16{}, [&](BFloat16 v, std::string* out) {
        AppendFloat(BFloat16ToFloat(v), style, out);
      });
      break;
    case DataType::kComplex64:
      each(std::complex<float>{}, as_complex);
      break;
    case DataType::kComplex128:
      each(std::complex<double>{}, as_complex);
      break;
    case DataType::kInt8:
    case DataType::kQInt8:
      each(int8_t{}, as_int);
      break;
    case DataType::kUInt8:
    case DataType::kQUInt8:
      each(uint8_t{}, as_int);
      break;
    case DataType::kInt16:
    case DataType::kQInt16:
      each(int16_t{}, as_int);
      break;
    case DataType::kUInt16:
    case DataType::kQUInt16:
      each(uint16_t{}, as_int);
      break;
    case DataType::kInt32:
    case DataType::kQInt32:
      each(int32_t{}, as_int);
      break;
    case DataType::kUInt32:
      each(uint32_t{}, as_int);
      break;
    case DataType::kInt64:
      each(int64_t{}, as_int);
      break;
    case DataType::kUInt64:
      each(uint64_t{}, as_int);
      break;
    case DataType::kBool:
      // Read as bytes: a stored byte other than 0/1 is not a valid C++ bool.
      each(uint8_t{}, [](uint8_t v, std::string* out) {
        *out += v != 0 ? "true" : "false";
      });
      break;
    case DataType::kString:
      for (const std::string& s : t.strings()) {
        std::string out;
        AppendString(s, style, &out);
        values.push_back(std::move(out));
      }
      break;
    case DataType::kFloat8E5M2:
      mini({5, 2, 15, Specials::kIeee});
      break;
    case DataType::kFloat8E4M3FN:
      mini({4, 3, 7, Specials::kFn});
      break;
    case DataType::kFloat8E4M3FNUZ:
      mini({4, 3, 8, Specials::kFnuz});
      break;
    case DataType::kFloat8E4M3B11FNUZ:
      mini({4, 3, 11, Specials::kFnuz});
      break;
    case DataType::kFloat8E5M2FNUZ:
      mini({5, 2, 16, Specials::kFnuz});
      break;
    case DataType::kFloat4E2M1FN:
      mini({2, 1, 1, Specials::kNone});
      break;
    case DataType::kInt4:
      small_int(4, true);
      break;
    case DataType::kUInt4:
      small_int(4, false);
      break;
    case DataType::kInt2:
      small_int(2, true);
      break;
    case DataType::kUInt2:
      small_int(2, false);
      break;
    case DataType::kInvalid:
    case DataType::kResource:
    case DataType::kVariant:
      return UnimplementedError("cannot print values of dtype " +
                                std::string(DataTypeName(t.dtype())));
  }
  return values;
}

// Bytes element `i` of `t` holds, for the progress report.
uint64_t ElementBytes(const Tensor& t, size_t i) {
  return t.dtype() == DataType::kString ? t.strings()[i].size() : DataTypeSize(t.dtype());
}

std::string JsonDump(std::string_view name, const Tensor& t,
                     const std::vector<std::string>& values, Progress* progress) {
  std::string out = "{\n  \"name\": " + JsonString(name) +
                    ",\n  \"dtype\": " + JsonString(DataTypeName(t.dtype())) +
                    ",\n  \"shape\": [";
  for (int d = 0; d < t.shape().rank(); ++d) {
    if (d > 0) out += ", ";
    AppendInt(t.shape().dim(d), &out);
  }
  out += "],\n  \"values\": [";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i];
    progress->Add(ElementBytes(t, i));
  }
  out += "]\n}\n";
  return out;
}

// A header line, then one "[i,j,...] value" line per element.
std::string TextDump(std::string_view name, const Tensor& t,
                     const std::vector<std::string>& values, Progress* progress) {
  std::string out(name);
  out += ": " + t.DebugString() + "\n";
  const int rank = t.shape().rank();
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& v = values[i];
    out += '[';
    for (int d = 0; d < rank; ++d) {
      if (d > 0) out += ',';
      AppendInt(index[static_cast<size_t>(d)], &out);
    }
    out += "] " + v + "\n";
    // Row-major: bump the last index, carrying into earlier ones.
    for (int d = rank - 1; d >= 0; --d) {
      const auto ud = static_cast<size_t>(d);
      if (++index[ud] < t.shape().dim(d)) break;
      index[ud] = 0;
    }
    progress->Add(ElementBytes(t, i));
  }
  return out;
}

int RunDump(const DumpOptions& opts) {
  auto reader = OpenCheckpoint(opts.prefix);
  if (!reader.ok()) return Fail(reader.status());
  auto tensor = (*reader)->ReadTensor(opts.name);
  if (!tensor.ok()) return Fail(tensor.status());
  const Style style = opts.json ? Style::kJson : Style::kText;
  auto values = FormatValues(*tensor, style);
  if (!values.ok()) return Fail(values.status().WithContext(opts.name));
  std::string out;
  {
    uint64_t total_bytes = 0;
    for (size_t i = 0; i < values->size(); ++i) total_bytes += ElementBytes(*tensor, i);
    // Gone (and its line erased) before the values are printed.
    Progress progress("dump", total_bytes);
    out = opts.json ? JsonDump(opts.name, *tensor, *values, &progress)
                    : TextDump(opts.name, *tensor, *values, &progress);
  }
  std::cout << out;
  return kExitOk;
}

}  // namespace

void AddDumpCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Print the values of one tensor");
  cmd->add_option("PREFIX", opts->prefix,
                  kCheckpointArgHelp)
      ->required();
  cmd->add_option("NAME", opts->name, "Tensor name, as `tfckpt ls` shows it")
      ->required();
  cmd->add_flag("--json", opts->json,
                "Print {\"name\", \"dtype\", \"shape\", \"values\"}, values "
                "flat in row-major order");
  cmd->callback(
      [opts, action] { *action = [opts] { return RunDump(*opts); }; });
}

}  // namespace tfckpt::cli
