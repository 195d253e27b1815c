// NumPy .npz: a zip archive of .npy members, stored (not deflated), with
// ZIP64 records where sizes or offsets need them. Each .npy member is
// "\x93NUMPY", a version (1.0: 2-byte header length; 2.0 / 3.0: 4-byte),
// a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded with spaces and '\n' to a multiple of 64 bytes,
// then the elements in C order.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "src/base/atomic_file.h"
#include "src/base/coding.h"
#include "src/formats/tensor_files.h"

namespace tfckpt::internal {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kNpyMagic = "\x93NUMPY";
constexpr std::string_view kNpySuffix = ".npy";
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kMax32 = 0xffffffff;
constexpr uint16_t kMax16 = 0xffff;
// 1980-01-01: zip cannot say "no date".
constexpr uint16_t kDosDate = (1 << 5) | 1;
// An .npy header longer than this is not one numpy wrote.
constexpr uint64_t kMaxNpyHeader = 1 << 20;

struct NativeDescr {
  DataType dtype;
  std::string_view descr;
};
constexpr std::array<NativeDescr, 14> kNativeDescrs = {{
    {DataType::kBool, "|b1"},
    {DataType::kUInt8, "|u1"},
    {DataType::kInt8, "|i1"},
    {DataType::kInt16, "<i2"},
    {DataType::kUInt16, "<u2"},
    {DataType::kHalf, "<f2"},
    {DataType::kInt32, "<i4"},
    {DataType::kUInt32, "<u4"},
    {DataType::kFloat, "<f4"},
    {DataType::kDouble, "<f8"},
    {DataType::kInt64, "<i8"},
    {DataType::kUInt64, "<u8"},
    {DataType::kComplex64, "<c8"},
    {DataType::kComplex128, "<c16"},
}};

std::optional<std::string_view> NativeDescrOf(DataType dtype) {
  for (const NativeDescr& d : kNativeDescrs) {
    if (d.dtype == dtype) return d.descr;
  }
  return std::nullopt;
}

// The unsigned integer a dtype without a NumPy type is stored as.
std::optional<DataType> CarrierOf(DataType dtype) {
  if (!DataTypeIsMemcpyable(dtype)) return std::nullopt;
  switch (DataTypeSize(dtype)) {
    case 1: return DataType::kUInt8;
    case 2: return DataType::kUInt16;
    case 4: return DataType::kUInt32;
    default: return std::nullopt;
  }
}

std::string NpyDescr(DataType dtype) {
  if (auto native = NativeDescrOf(dtype)) return std::string(*native);
  return std::string(*NativeDescrOf(*CarrierOf(dtype)));
}

// --- the .npy header dict ---------------------------------------------------

struct NpyHeaderFields {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// A parser for the Python literal numpy writes; nothing else is accepted.
class DictParser {
 public:
  explicit DictParser(std::string_view text) : text_(text) {}

  bool Parse(NpyHeaderFields* out) {
    if (!Eat('{')) return false;
    std::map<std::string, bool> seen;
    while (!Peek('}')) {
      std::string key;
      if (!String(&key) || !Eat(':') || seen[key]) return false;
      seen[key] = true;
      if (key == "descr") {
        if (!String(&out->descr)) return false;
      } else if (key == "fortran_order") {
        if (!Bool(&out->fortran_order)) return false;
      } else if (key == "shape") {
        if (!Tuple(&out->shape)) return false;
      } else {
        return false;
      }
      if (!Eat(',')) break;
    }
    if (!Eat('}')) return false;
    SkipSpace();
    return pos_ == text_.size() && seen.size() == 3;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool String(std::string* out) {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return false;
    *out = std::string(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out->find('\\') == std::string::npos;
  }
  bool Bool(bool* out) {
    SkipSpace();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        *out = value;
        return true;
      }
    }
    return false;
  }
  bool Int(int64_t* out) {
    SkipSpace();
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      const int digit = text_[pos_++] - '0';
      if (v > (INT64_MAX - digit) / 10) return false;
      v = v * 10 + digit;
    }
    *out = v;
    return pos_ > start;
  }
  bool Tuple(std::vector<int64_t>* out) {
    if (!Eat('(')) return false;
    while (!Peek(')')) {
      int64_t v = 0;
      if (!Int(&v)) return false;
      out->push_back(v);
      if (!Eat(',')) break;
    }
    return Eat(')');
  }

  std::string_view text_;
  size_t pos_ = 0;
};

std::string FormatNpyDict(std::string_view descr, const TensorShape& shape) {
  std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (";
  for (int d = 0; d < shape.rank(); ++d) {
    dict += std::to_string(shape.dim(d));
    dict += shape.rank() == 1 ? "," : (d + 1 < shape.rank() ? ", " : "");
  }
  return dict + "), }";
}

// --- zip --------------------------------------------------------------------

struct Member {
  std::string name;
  uint32_t crc = 0;
  uint64_t size = 0;          // stored = compressed = uncompressed
  uint64_t local_offset = 0;  // of the local header
};

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

uint16_t U16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}

bool NeedsZip64(const Member& m) { return m.size >= kMax32 || m.local_offset >= kMax32; }

std::string LocalHeader(const Member& m) {
  const bool zip64 = NeedsZip64(m);
  std::string h;
  PutFixed32(&h, kLocalHeaderSig);
  PutU16(&h, zip64 ? 45 : 20);  // version needed
  PutU16(&h, 0x0800);           // names are UTF-8
  PutU16(&h, 0);                // stored
  PutU16(&h, 0);                // time
  PutU16(&h, kDosDate);
  PutFixed32(&h, m.crc);
  PutFixed32(&h, zip64 ? kMax32 : static_cast<uint32_t>(m.size));
  PutFixed32(&h, zip64 ? kMax32 : static_cast<uint32_t>(m.size));
  PutU16(&h, static_cast<uint16_t>(m.name.size()));
  PutU16(&h, zip64 ? 20 : 0);
  h += m.name;
  if (zip64) {
    PutU16(&h, kZip64ExtraId);
    PutU16(&h, 16);
    PutFixed64(&h, m.size);
    PutFixed64(&h, m.size);
  }
  return h;
}

std::string CentralHeader(const Member& m) {
  const bool big_size = m.size >= kMax32;
  const bool big_offset = m.local_offset >= kMax32;
  std::string extra;
  if (big_size) {
    PutFixed64(&extra, m.size);
    PutFixed64(&extra, m.size);
  }
  if (big_offset) PutFixed64(&extra, m.local_offset);
  std::string h;
  PutFixed32(&h, kCentralHeaderSig);
  PutU16(&h, 45);  // made by: MS-DOS attributes, spec 4.5
  PutU16(&h, NeedsZip64(m) ? 45 : 20);
  PutU16(&h, 0x0800);
  PutU16(&h, 0);
  PutU16(&h, 0);
  PutU16(&h, kDosDate);
  PutFixed32(&h, m.crc);
  PutFixed32(&h, big_size ? kMax32 : static_cast<uint32_t>(m.size));
  PutFixed32(&h, big_size ? kMax32 : static_cast<uint32_t>(m.size));
  PutU16(&h, static_cast<uint16_t>(m.name.size()));
  PutU16(&h, static_cast<uint16_t>(extra.empty() ? 0 : extra.size() + 4));
  PutU16(&h, 0);  // comment
  PutU16(&h, 0);  // disk
  PutU16(&h, 0);  // internal attributes
  PutFixed32(&h, 0);
  PutFixed32(&h, big_offset ? kMax32 : static_cast<uint32_t>(m.local_offset));
  h += m.name;
  if (!extra.empty()) {
    PutU16(&h, kZip64ExtraId);
    PutU16(&h, static_cast<uint16_t>(extra.size()));
    h += extra;
  }
  return h;
}

std::string EndRecords(uint64_t entries, uint64_t cd_offset, uint64_t cd_size) {
  std::string out;
  const bool zip64 = entries >= kMax16 || cd_offset >= kMax32 || cd_size >= kMax32;
  if (zip64) {
    const uint64_t zip64_end_offset = cd_offset + cd_size;
    PutFixed32(&out, kZip64EndSig);
    PutFixed64(&out, 44);  // size of the rest of this record
    PutU16(&out, 45);
    PutU16(&out, 45);
    PutFixed32(&out, 0);
    PutFixed32(&out, 0);
    PutFixed64(&out, entries);
    PutFixed64(&out, entries);
    PutFixed64(&out, cd_size);
    PutFixed64(&out, cd_offset);
    PutFixed32(&out, kZip64LocatorSig);
    PutFixed32(&out, 0);
    PutFixed64(&out, zip64_end_offset);
    PutFixed32(&out, 1);
  }
  PutFixed32(&out, kEndSig);
  PutU16(&out, 0);
  PutU16(&out, 0);
  PutU16(&out, zip64 ? kMax16 : static_cast<uint16_t>(entries));
  PutU16(&out, zip64 ? kMax16 : static_cast<uint16_t>(entries));
  PutFixed32(&out, zip64 ? kMax32 : static_cast<uint32_t>(cd_size));
  PutFixed32(&out, zip64 ? kMax32 : static_cast<uint32_t>(cd_offset));
  PutU16(&out, 0);
  return out;
}

// --- reading ----------------------------------------------------------------

struct NpzEntry {
  TensorInfo info;
  uint64_t data_offset = 0;  // of the elements, in the archive
  uint64_t data_size = 0;
  uint32_t prefix_crc = 0;  // CRC-32 of the .npy header bytes
  uint32_t crc = 0;         // of the whole member
};

class NpzSource : public TensorSource {
 public:
  NpzSource(std::unique_ptr<RandomAccessFile> file, std::vector<NpzEntry> entries)
      : file_(std::move(file)), entries_(std::move(entries)) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      infos_.push_back(entries_[i].info);
      index_.emplace(entries_[i].info.name, i);
    }
  }

  const std::vector<TensorInfo>& tensors() const override { return infos_; }

  StatusOr<Tensor> Read(std::string_view name) const override {
    auto it = index_.find(name);
    if (it == index_.end()) {
      return NotFoundError(file_->path() + ": no array named '" + std::string(name) + "'");
    }
    const NpzEntry& e = entries_[it->second];
    TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(e.info.dtype, e.info.shape));
    TFCKPT_RETURN_IF_ERROR(file_->Read(e.data_offset, static_cast<size_t>(e.data_size),
                                       static_cast<char*>(tensor.mutable_data())));
    if (Crc32(e.prefix_crc, tensor.bytes()) != e.crc) {
      return DataLossError(file_->path() + ": array '" + std::string(name) +
                           "': CRC-32 mismatch");
    }
    return tensor;
  }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  std::vector<NpzEntry> entries_;
  std::vector<TensorInfo> infos_;
  std::map<std::string, size_t, std::less<>> index_;
};

struct EndOfCentralDirectory {
  uint64_t entries = 0;
  uint64_t cd_offset = 0;
  uint64_t cd_size = 0;
  uint64_t end = 0;  // where the central directory must end
};

StatusOr<EndOfCentralDirectory> ReadEnd(const RandomAccessFile& file) {
  const std::string& path = file.path();
  const uint64_t size = file.size();
  if (size < 22) return DataLossError(path + ": too short for a zip archive");
  const uint64_t tail_size = std::min<uint64_t>(size, 22 + 0xffff);
  std::string tail(static_cast<size_t>(tail_size), '\0');
  TFCKPT_RETURN_IF_ERROR(file.Read(size - tail_size, tail.size(), tail.data()));
  // The last end record whose comment reaches exactly to the end of file.
  size_t pos = tail.size() - 22;
  while (true) {
    if (DecodeFixed32(tail.data() + pos) == kEndSig &&
        pos + 22 + U16(tail.data() + pos + 20) == tail.size()) {
      break;
    }
    if (pos == 0) return DataLossError(path + ": no zip end-of-central-directory record");
    --pos;
  }
  const char* r = tail.data() + pos;
  EndOfCentralDirectory end;
  end.entries = U16(r + 10);
  end.cd_size = DecodeFixed32(r + 12);
  end.cd_offset = DecodeFixed32(r + 16);
  end.end = size - tail_size + pos;
  if (U16(r + 4) != 0 || U16(r + 6) != 0) {
    return UnimplementedError(path + ": multi-disk zip archives are not supported");
  }
  if (end.entries == kMax16 || end.cd_size == kMax32 || end.cd_offset == kMax32) {
    if (end.end < 20) return DataLossError(path + ": ZIP64 locator missing");
    char locator[20];
    TFCKPT_RETURN_IF_ERROR(file.Read(end.end - 20, 20, locator));
    if (DecodeFixed32(locator) != kZip64LocatorSig) {
      return DataLossError(path + ": ZIP64 locator missing");
    }
    const uint64_t record_offset = DecodeFixed64(locator + 8);
    if (record_offset > end.end - 20 || end.end - 20 - record_offset < 56) {
      return DataLossError(path + ": ZIP64 end record out of place");
    }
    char record[56];
    TFCKPT_RETURN_IF_ERROR(file.Read(record_offset, 56, record));
    if (DecodeFixed32(record) != kZip64EndSig) {
      return DataLossError(path + ": bad ZIP64 end record");
    }
    end.entries = DecodeFixed64(record + 32);
    end.cd_size = DecodeFixed64(record + 40);
    end.cd_offset = DecodeFixed64(record + 48);
    end.end = record_offset;
  }
  if (end.cd_offset > end.end || end.cd_size != end.end - end.cd_offset) {
    return DataLossError(path + ": the central directory is not where the end record says");
  }
  // Each central entry takes at least 46 bytes.
  if (end.entries > end.cd_size / 46) {
    return DataLossError(path + ": " + std::to_string(end.entries) +
                         " entries cannot fit a central directory of " +
                         std::to_string(end.cd_size) + " bytes");
  }
  return end;
}

// Reads member data description from the .npy header; fills `entry`.
Status ParseNpyMember(const RandomAccessFile& file, const std::string& member,
                      uint64_t offset, uint64_t size, NpzEntry* entry,
                      std::string* descr) {
  const std::string where = file.path() + ": member " + member;
  std::string prefix(12, '\0');
  if (size < 10) return DataLossError(where + ": too short for .npy");
  TFCKPT_RETURN_IF_ERROR(file.Read(offset, std::min<uint64_t>(size, 12), prefix.data()));
  if (std::string_view(prefix).substr(0, 6) != kNpyMagic) {
    return DataLossError(where + ": not an .npy file");
  }
  const auto major = static_cast<uint8_t>(prefix[6]);
  uint64_t prefix_size = 0;
  uint64_t header_len = 0;
  if (major == 1) {
    prefix_size = 10;
    header_len = U16(prefix.data() + 8);
  } else if (major == 2 || major == 3) {
    if (size < 12) return DataLossError(where + ": too short for .npy");
    prefix_size = 12;
    header_len = DecodeFixed32(prefix.data() + 8);
  } else {
    return UnimplementedError(where + ": .npy version " + std::to_string(major) +
                              " is not supported");
  }
  if (header_len > kMaxNpyHeader || header_len > size - prefix_size) {
    return DataLossError(where + ": .npy header length " + std::to_string(header_len) +
                         " is out of range");
  }
  std::string header(static_cast<size_t>(header_len), '\0');
  TFCKPT_RETURN_IF_ERROR(file.Read(offset + prefix_size, header.size(), header.data()));
  NpyHeaderFields fields;
  if (!DictParser(header).Parse(&fields)) {
    return DataLossError(where + ": unparsable .npy header");
  }
  if (fields.fortran_order) {
    return UnimplementedError(where + ": Fortran-order arrays are not supported; save "
                              "np.ascontiguousarray(a)");
  }
  auto shape = TensorShape::Create(fields.shape);
  if (!shape.ok()) return DataLossError(where + ": " + shape.status().message());
  entry->info.shape = *std::move(shape);
  entry->data_offset = offset + prefix_size + header_len;
  entry->data_size = size - prefix_size - header_len;
  entry->prefix_crc =
      Crc32(Crc32(0, std::string_view(prefix).substr(0, static_cast<size_t>(prefix_size))),
            header);
  *descr = fields.descr;
  return OkStatus();
}

// The NumPy element size of `descr`, for the dtypes member ('|S<n>').
StatusOr<DataType> DtypeOfDescr(const std::string& descr, const std::string& where) {
  for (const NativeDescr& d : kNativeDescrs) {
    if (d.descr == descr) return d.dtype;
  }
  return UnimplementedError(where + ": NumPy dtype " + descr + " is not supported");
}

}  // namespace

uint32_t Crc32(uint32_t crc, std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xedb88320 ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  crc = ~crc;
  for (const char ch : data) {
    crc = kTable[(crc ^ static_cast<uint8_t>(ch)) & 0xff] ^ (crc >> 8);
  }
  return ~crc;
}

bool NpzSupports(DataType dtype) {
  return NativeDescrOf(dtype).has_value() || CarrierOf(dtype).has_value();
}

std::string NpyHeader(std::string_view descr, const TensorShape& shape) {
  std::string dict = FormatNpyDict(descr, shape);
  // magic (6) + version (2) + length (2 or 4) + dict + '\n', padded to 64.
  size_t prefix = 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > kMax16) {
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kNpyMagic);
  out += static_cast<char>(prefix == 10 ? 1 : 2);
  out += '\0';
  if (prefix == 10) {
    PutU16(&out, static_cast<uint16_t>(dict.size()));
  } else {
    PutFixed32(&out, static_cast<uint32_t>(dict.size()));
  }
  return out + dict;
}

StatusOr<std::unique_ptr<TensorSource>> OpenNpz(const std::string& path, FileSystem* fs) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->OpenForRead(path));
  TFCKPT_ASSIGN_OR_RETURN(const EndOfCentralDirectory end, ReadEnd(*file));
  std::string cd(static_cast<size_t>(end.cd_size), '\0');
  TFCKPT_RETURN_IF_ERROR(file->Read(end.cd_offset, cd.size(), cd.data()));
  std::vector<NpzEntry> entries;
  std::map<std::string, size_t> descr_index;
  std::vector<std::string> descrs;
  std::optional<NpzEntry> dtypes_member;
  std::string dtypes_descr;
  size_t pos = 0;
  for (uint64_t i = 0; i < end.entries; ++i) {
    if (cd.size() - pos < 46 || DecodeFixed32(cd.data() + pos) != kCentralHeaderSig) {
      return DataLossError(path + ": bad central directory entry " + std::to_string(i));
    }
    const char* h = cd.data() + pos;
    const uint16_t flags = U16(h + 8);
    const uint16_t method = U16(h + 10);
    const uint32_t crc = DecodeFixed32(h + 16);
    uint64_t compressed = DecodeFixed32(h + 20);
    uint64_t size = DecodeFixed32(h + 24);
    const size_t name_len = U16(h + 28);
    const size_t extra_len = U16(h + 30);
    const size_t comment_len = U16(h + 32);
    uint64_t local = DecodeFixed32(h + 42);
    if (cd.size() - pos - 46 < name_len + extra_len + comment_len) {
      return DataLossError(path + ": central directory entry " + std::to_string(i) +
                           " runs past the directory");
    }
    std::string name(h + 46, name_len);
    std::string_view extra(h + 46 + name_len, extra_len);
    pos += 46 + name_len + extra_len + comment_len;
    // ZIP64 extra: the 64-bit values of the fields that read 0xffffffff.
    while (extra.size() >= 4) {
      const uint16_t id = U16(extra.data());
      const size_t len = U16(extra.data() + 2);
      if (extra.size() - 4 < len) return DataLossError(path + ": bad extra field in " + name);
      std::string_view body = extra.substr(4, len);
      if (id == kZip64ExtraId) {
        for (uint64_t* field : {&size, &compressed, &local}) {
          if (*field != kMax32) continue;
          if (!GetFixed64(&body, field)) return DataLossError(path + ": bad ZIP64 field in " + name);
        }
      }
      extra.remove_prefix(4 + len);
    }
    if ((flags & 1) != 0) return UnimplementedError(path + ": " + name + " is encrypted");
    if (method != 0) {
      return UnimplementedError(path + ": member " + name +
                                " is compressed (np.savez_compressed); only stored members "
                                "(np.savez) are supported");
    }
    if (compressed != size) return DataLossError(path + ": stored member " + name + " sizes differ");
    if (!name.ends_with(kNpySuffix)) {
      return UnimplementedError(path + ": member " + name + " is not an .npy file");
    }
    // The local header repeats the name; its extra field may differ.
    char lh[30];
    if (local > end.cd_offset || end.cd_offset - local < 30) {
      return DataLossError(path + ": member " + name + " has a bad local header offset");
    }
    TFCKPT_RETURN_IF_ERROR(file->Read(local, 30, lh));
    if (DecodeFixed32(lh) != kLocalHeaderSig) {
      return DataLossError(path + ": member " + name + " has a bad local header");
    }
    const uint64_t data = local + 30 + U16(lh + 26) + U16(lh + 28);
    if (data > end.cd_offset || size > end.cd_offset - data) {
      return DataLossError(path + ": member " + name + " runs into the central directory");
    }
    NpzEntry entry;
    entry.info.name = name.substr(0, name.size() - kNpySuffix.size());
    entry.crc = crc;
    std::string descr;
    TFCKPT_RETURN_IF_ERROR(ParseNpyMember(*file, name, data, size, &entry, &descr));
    if (entry.info.name == kNpzDtypesMember) {
      dtypes_member = entry;
      dtypes_descr = descr;
      continue;
    }
    TFCKPT_ASSIGN_OR_RETURN(entry.info.dtype, DtypeOfDescr(descr, path + ": member " + name));
    entries.push_back(std::move(entry));
  }
  if (dtypes_member.has_value()) {
    // A 0-d bytes array ('|S<n>') holding JSON {"name": "bfloat16", ...}.
    const std::string where = path + ": member " + std::string(kNpzDtypesMember);
    if (dtypes_member->info.shape.rank() != 0 || !dtypes_descr.starts_with("|S") ||
        dtypes_descr.substr(2) != std::to_string(dtypes_member->data_size)) {
      return DataLossError(where + " is not a 0-d bytes array");
    }
    std::string text(static_cast<size_t>(dtypes_member->data_size), '\0');
    TFCKPT_RETURN_IF_ERROR(file->Read(dtypes_member->data_offset, text.size(), text.data()));
    if (Crc32(dtypes_member->prefix_crc, text) != dtypes_member->crc) {
      return DataLossError(where + ": CRC-32 mismatch");
    }
    // NumPy pads bytes arrays with NULs.
    text.erase(text.find_last_not_of('\0') + 1);
    const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return DataLossError(where + " is not a JSON object");
    for (const auto& [name, value] : json.items()) {
      auto it = std::find_if(entries.begin(), entries.end(),
                             [&key = name](const NpzEntry& e) { return e.info.name == key; });
      if (it == entries.end() || !value.is_string()) {
        return DataLossError(where + " names unknown array '" + name + "'");
      }
      auto dtype = DataTypeFromName(value.get<std::string>());
      if (!dtype.ok() || CarrierOf(*dtype) != it->info.dtype) {
        return DataLossError(where + ": array '" + name + "' cannot hold " +
                             value.get<std::string>());
      }
      it->info.dtype = *dtype;
    }
  }
  for (const NpzEntry& e : entries) {
    auto bytes = TensorByteSize(e.info.dtype, e.info.shape);
    if (!bytes.ok() || *bytes != e.data_size) {
      return DataLossError(path + ": array '" + e.info.name + "' has " +
                           std::to_string(e.data_size) + " bytes of data but its header says " +
                           std::string(DataTypeName(e.info.dtype)) + " " +
                           e.info.shape.DebugString());
    }
  }
  return std::unique_ptr<TensorSource>(new NpzSource(std::move(file), std::move(entries)));
}

Status WriteNpz(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                const std::string& path, FileSystem* fs) {
  TFCKPT_ASSIGN_OR_RETURN(auto out, AtomicFileWriter::Open(fs, path));
  WritableFile* file = out->file();
  std::vector<Member> members;
  const auto add_member = [&](const std::string& name, const std::string& header,
                              std::string_view data) -> Status {
    Member m;
    m.name = name + std::string(kNpySuffix);
    if (m.name.size() > kMax16) return InvalidArgumentError("name too long for zip: " + name);
    m.crc = Crc32(Crc32(0, header), data);
    m.size = header.size() + data.size();
    m.local_offset = file->position();
    TFCKPT_RETURN_IF_ERROR(file->Append(LocalHeader(m)));
    TFCKPT_RETURN_IF_ERROR(file->Append(header));
    TFCKPT_RETURN_IF_ERROR(file->Append(data));
    members.push_back(std::move(m));
    return OkStatus();
  };
  Json dtypes = Json::object();
  for (const PlannedTensor& t : plan) {
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, source.Read(t.source_name));
    if (tensor.dtype() != t.dtype || !(tensor.shape() == t.shape)) {
      return DataLossError("tensor '" + t.source_name + "' is not the dtype and shape listed");
    }
    if (!NativeDescrOf(t.dtype).has_value()) dtypes[t.name] = std::string(DataTypeName(t.dtype));
    TFCKPT_RETURN_IF_ERROR(add_member(t.name, NpyHeader(NpyDescr(t.dtype), t.shape),
                                      tensor.bytes()));
  }
  if (!dtypes.empty()) {
    const std::string text = dtypes.dump();
    TFCKPT_RETURN_IF_ERROR(add_member(std::string(kNpzDtypesMember),
                                      NpyHeader("|S" + std::to_string(text.size()), TensorShape()),
                                      text));
  }
  const uint64_t cd_offset = file->position();
  for (const Member& m : members) TFCKPT_RETURN_IF_ERROR(file->Append(CentralHeader(m)));
  const uint64_t cd_size = file->position() - cd_offset;
  TFCKPT_RETURN_IF_ERROR(file->Append(EndRecords(members.size(), cd_offset, cd_size)));
  return out->Commit();
}

}  // namespace tfckpt::internal
