// interop_tool: a test-only bridge between the interop tests (Python with
// real TensorFlow) and tfckpt's public API. It moves tensors between
// checkpoints and plain files so the tests can compare bytes with TF's.
// Names travel as base64 because tensor names are arbitrary bytes.
//
//   interop_tool write SPEC.json PREFIX
//       Writes a bundle with BundleWriter. SPEC.json:
//         {"data_alignment": 1,                        (optional)
//          "tensors": [                                (in add order)
//            {"name_b64": "dw==", "dtype": "float32", "shape": [2, 3],
//             "data_file": "w.bin"},                   (raw LE bytes, path
//                                                       relative to SPEC)
//            {"name_b64": "Yg==", "dtype": "int8", "shape": [2],
//             "data_b64": "AQI="},                     (raw bytes inline)
//            {"name_b64": "cw==", "dtype": "string", "shape": [2],
//             "strings_b64": ["YQ==", ""]},
//            {"name_b64": "cA==", "dtype": "float32", "shape": [5, 4],
//             "data_file": "p.bin",
//             "full_shape": [10, 4], "slice": "0,5:-"}]}  (AddSlice)
//
//   interop_tool read PREFIX OUTDIR
//       Reads every tensor ListEntries() names with ReadTensor() (so
//       partitioned tensors come back assembled) into OUTDIR/<i>.bin (raw
//       bytes) or OUTDIR/<i>.json (list of base64 strings), and writes
//       OUTDIR/manifest.json:
//         {"num_shards": N, "tensors": [{"name_b64", "dtype", "shape",
//          "file", "partitioned", "shard_id", "offset", "size"}, ...]}
//
//   interop_tool read-slice PREFIX NAME SLICE OUTFILE
//       Reads one region of tensor NAME with ReadSlice() ("0,5:-" syntax)
//       into OUTFILE (raw bytes, or a JSON list of base64 strings) and
//       prints {"dtype", "shape"}.
//
//   interop_tool merge DEST SOURCE...
//       Joins the bundles SOURCE... into DEST with MergeBundles().
//
// Exits 0 on success; on error prints the status to stderr and exits 1.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <tfckpt/bundle_reader.h>
#include <tfckpt/bundle_writer.h>
#include <tfckpt/dtype.h>
#include <tfckpt/status.h>
#include <tfckpt/statusor.h>
#include <tfckpt/tensor.h>
#include <tfckpt/tensor_shape.h>
#include <tfckpt/tensor_slice.h>

namespace tfckpt {
namespace {

using json = nlohmann::json;

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) {
      const uint32_t byte = j < n ? static_cast<uint8_t>(in[i + j]) : 0u;
      group = (group << 8) | byte;
    }
    for (size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kBase64Alphabet[(group >> (18 - 6 * j)) & 0x3F]
                           : '=');
    }
  }
  return out;
}

// Strict RFC 4648 decoding: padded, no whitespace.
StatusOr<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return InvalidArgumentError("base64 length is not a multiple of 4");
  }
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t group = 0;
    size_t padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = in[i + j];
      uint32_t value = 0;
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        ++padding;
      } else {
        const size_t pos = kBase64Alphabet.find(c);
        if (pos == std::string_view::npos || padding > 0) {
          return InvalidArgumentError("bad base64 character");
        }
        value = static_cast<uint32_t>(pos);
      }
      group = (group << 6) | value;
    }
    for (size_t j = 0; j < 3 - padding; ++j) {
      out.push_back(static_cast<char>((group >> (16 - 8 * j)) & 0xFF));
    }
  }
  return out;
}

StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (in.bad()) return DataLossError("cannot read " + path.string());
  return bytes;
}

Status WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return UnknownError("cannot write " + path.string());
  return OkStatus();
}

StatusOr<TensorShape> ShapeFromJson(const json& dims) {
  const std::vector<int64_t> values = dims.get<std::vector<int64_t>>();
  return TensorShape::Create(values);
}

json ShapeToJson(const TensorShape& shape) {
  return json(std::vector<int64_t>(shape.dims().begin(), shape.dims().end()));
}

// The tensor a spec entry describes; `spec_dir` anchors relative data files.
StatusOr<Tensor> TensorFromSpec(const json& spec,
                                const std::filesystem::path& spec_dir) {
  TFCKPT_ASSIGN_OR_RETURN(const DataType dtype,
                          DataTypeFromName(spec.at("dtype").get<std::string>()));
  TFCKPT_ASSIGN_OR_RETURN(const TensorShape shape,
                          ShapeFromJson(spec.at("shape")));
  if (dtype == DataType::kString) {
    std::vector<std::string> values;
    for (const json& encoded : spec.at("strings_b64")) {
      TFCKPT_ASSIGN_OR_RETURN(std::string value,
                              Base64Decode(encoded.get<std::string>()));
      values.push_back(std::move(value));
    }
    return Tensor::FromStrings(shape, std::move(values));
  }
  std::string bytes;
  if (spec.contains("data_b64")) {
    TFCKPT_ASSIGN_OR_RETURN(bytes,
                            Base64Decode(spec.at("data_b64").get<std::string>()));
  } else {
    TFCKPT_ASSIGN_OR_RETURN(
        bytes, ReadFile(spec_dir / spec.at("data_file").get<std::string>()));
  }
  return Tensor::FromBytes(dtype, shape, bytes);
}

// SaveV2's "10 4 0,5:-" form of a slice spec.
StatusOr<std::string> SaveV2SliceSpec(const json& entry) {
  std::string spec;
  for (const json& dim : entry.at("full_shape")) spec += std::to_string(dim.get<int64_t>()) + " ";
  return spec + entry.at("slice").get<std::string>();
}

// Writes the spec's tensors with BundleWriter, one Add/AddSlice each, or,
// when the spec sets "num_shards", with WriteBundle.
Status Write(const std::filesystem::path& spec_path, const std::string& prefix) {
  TFCKPT_ASSIGN_OR_RETURN(const std::string spec_text, ReadFile(spec_path));
  const json spec = json::parse(spec_text);
  BundleWriterOptions options;
  options.data_alignment = spec.value("data_alignment", 1);
  if (spec.contains("num_shards")) {
    std::vector<SaveEntry> tensors;
    for (const json& entry : spec.at("tensors")) {
      SaveEntry& tensor = tensors.emplace_back();
      TFCKPT_ASSIGN_OR_RETURN(tensor.name, Base64Decode(entry.at("name_b64").get<std::string>()));
      TFCKPT_ASSIGN_OR_RETURN(tensor.tensor, TensorFromSpec(entry, spec_path.parent_path()));
      if (entry.contains("slice")) {
        TFCKPT_ASSIGN_OR_RETURN(tensor.slice_spec, SaveV2SliceSpec(entry));
      }
    }
    return WriteBundle(prefix, tensors, {options, spec.at("num_shards").get<int>()});
  }
  TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(prefix, options));
  for (const json& entry : spec.at("tensors")) {
    TFCKPT_ASSIGN_OR_RETURN(
        const std::string name,
        Base64Decode(entry.at("name_b64").get<std::string>()));
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor,
                            TensorFromSpec(entry, spec_path.parent_path()));
    Status status;
    if (entry.contains("slice")) {
      TFCKPT_ASSIGN_OR_RETURN(const TensorShape full_shape,
                              ShapeFromJson(entry.at("full_shape")));
      TFCKPT_ASSIGN_OR_RETURN(
          const TensorSlice slice,
          TensorSlice::Parse(entry.at("slice").get<std::string>()));
      status = writer->AddSlice(name, full_shape, slice, tensor);
    } else {
      status = writer->Add(name, tensor);
    }
    TFCKPT_RETURN_IF_ERROR(status.WithContext("adding " + name));
  }
  return writer->Finish();
}

// Writes a tensor's elements to `path`: raw bytes, or base64 JSON strings.
Status WriteElements(const Tensor& tensor, const std::filesystem::path& path) {
  if (tensor.dtype() != DataType::kString) {
    return WriteFile(path, tensor.bytes());
  }
  json strings = json::array();
  for (const std::string& value : tensor.strings()) {
    strings.push_back(Base64Encode(value));
  }
  return WriteFile(path, strings.dump());
}

std::string ElementsFileName(size_t index, DataType dtype) {
  return std::to_string(index) +
         (dtype == DataType::kString ? ".json" : ".bin");
}

Status Read(const std::string& prefix, const std::filesystem::path& out_dir) {
  TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(prefix));
  TFCKPT_ASSIGN_OR_RETURN(const std::vector<BundleEntryInfo> entries,
                          reader->ListEntries());
  std::filesystem::create_directories(out_dir);
  json tensors = json::array();
  for (size_t i = 0; i < entries.size(); ++i) {
    const BundleEntryInfo& info = entries[i];
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, reader->ReadTensor(info.name));
    if (tensor.dtype() != info.dtype || !(tensor.shape() == info.shape)) {
      return InternalError("ReadTensor(" + info.name + ") gave " +
                           tensor.DebugString() + ", the index says " +
                           std::string(DataTypeName(info.dtype)) + " " +
                           info.shape.DebugString());
    }
    const std::string file = ElementsFileName(i, info.dtype);
    TFCKPT_RETURN_IF_ERROR(WriteElements(tensor, out_dir / file));
    tensors.push_back({{"name_b64", Base64Encode(info.name)},
                       {"dtype", DataTypeName(info.dtype)},
                       {"shape", ShapeToJson(info.shape)},
                       {"file", file},
                       {"partitioned", info.partitioned()},
                       {"shard_id", info.shard_id},
                       {"offset", info.offset},
                       {"size", info.size}});
  }
  const json manifest = {{"num_shards", reader->num_shards()},
                         {"tensors", std::move(tensors)}};
  return WriteFile(out_dir / "manifest.json", manifest.dump(1));
}

Status ReadSlice(const std::string& prefix, const std::string& name,
                 const std::string& slice_spec,
                 const std::filesystem::path& out_file) {
  TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(prefix));
  TFCKPT_ASSIGN_OR_RETURN(const TensorSlice slice, TensorSlice::Parse(slice_spec));
  TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, reader->ReadSlice(name, slice));
  TFCKPT_RETURN_IF_ERROR(WriteElements(tensor, out_file));
  const json meta = {{"dtype", DataTypeName(tensor.dtype())},
                     {"shape", ShapeToJson(tensor.shape())}};
  std::cout << meta.dump() << "\n";
  return OkStatus();
}

constexpr std::string_view kUsage =
    "usage: interop_tool write SPEC.json PREFIX\n"
    "       interop_tool read PREFIX OUTDIR\n"
    "       interop_tool read-slice PREFIX NAME SLICE OUTFILE\n"
    "       interop_tool merge DEST SOURCE...\n";

Status Run(const std::vector<std::string>& args) {
  if (args.size() == 3 && args[0] == "write") return Write(args[1], args[2]);
  if (args.size() == 3 && args[0] == "read") return Read(args[1], args[2]);
  if (args.size() == 5 && args[0] == "read-slice") {
    return ReadSlice(args[1], args[2], args[3], args[4]);
  }
  if (args.size() >= 3 && args[0] == "merge") {
    return MergeBundles(std::vector<std::string>(args.begin() + 2, args.end()), args[1]);
  }
  return InvalidArgumentError(std::string(kUsage));
}

}  // namespace
}  // namespace tfckpt

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  tfckpt::Status status;
  try {
    status = tfckpt::Run(args);
  } catch (const std::exception& e) {  // nlohmann::json and std::filesystem
    status = tfckpt::InvalidArgumentError(e.what());
  }
  if (!status.ok()) {
    std::cerr << "interop_tool: " << status << "\n";
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
