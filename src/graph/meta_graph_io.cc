// Reading and writing MetaGraphDef / SavedModel files with bounded parsing.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/base/atomic_file.h"
#include "src/graph/node_util.h"
#include "tfckpt/meta_graph.h"

namespace tfckpt {
namespace {

// Keeps the first text-format error.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!message_.empty()) return;
    message_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) +
               " : " + message;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Binary first, then text, as TF's read_meta_graph_file.
Status ParseProto(std::string_view bytes, std::string_view what,
                  const ParseOptions& options,
                  google::protobuf::Message* message) {
  if (bytes.size() > options.max_bytes || bytes.size() > INT_MAX) {
    return ResourceExhaustedError(
        std::string(what) + " is " + std::to_string(bytes.size()) +
        " bytes, more than the limit of " + std::to_string(options.max_bytes));
  }
  {
    google::protobuf::io::CodedInputStream coded(
        reinterpret_cast<const uint8_t*>(bytes.data()),
        static_cast<int>(bytes.size()));
    coded.SetRecursionLimit(options.recursion_limit);
    coded.SetTotalBytesLimit(INT_MAX);
    if (message->ParseFromCodedStream(&coded) &&
        coded.ConsumedEntireMessage() && coded.BytesUntilLimit() <= 0) {
      return OkStatus();
    }
  }
  message->Clear();
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(options.recursion_limit);
  google::protobuf::io::ArrayInputStream input(bytes.data(),
                                               static_cast<int>(bytes.size()));
  if (parser.Parse(&input, message)) {
    // The text parser accepts invalid UTF-8 in string fields (it only logs);
    // the binary parser, TF's Python reader and our own exported files do
    // not, so reject it here too.
    std::string binary;
    std::unique_ptr<google::protobuf::Message> check(message->New());
    if (message->SerializeToString(&binary) && binary.size() <= INT_MAX) {
      google::protobuf::io::CodedInputStream coded(
          reinterpret_cast<const uint8_t*>(binary.data()), static_cast<int>(binary.size()));
      coded.SetRecursionLimit(options.recursion_limit);
      if (check->ParseFromCodedStream(&coded)) return OkStatus();
    }
    message->Clear();
    return DataLossError("Cannot parse file " + std::string(what) +
                         ": a string field holds invalid UTF-8");
  }
  message->Clear();
  return DataLossError("Cannot parse file " + std::string(what) +
                       ": neither a binary " + message->GetTypeName() +
                       " nor text format (" + errors.message() + ")");
}

StatusOr<std::string> ReadWholeFile(const std::string& path,
                                    const ParseOptions& options) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system
                                                  : FileSystem::Default();
  if (!fs->Exists(path).ok()) {
    return NotFoundError("File does not exist. Received: " + path + ".");
  }
  TFCKPT_ASSIGN_OR_RETURN(auto file, fs->OpenForRead(path));
  const uint64_t size = file->size();
  if (size > options.max_bytes || size > INT_MAX) {
    return ResourceExhaustedError(path + " is " + std::to_string(size) +
                                  " bytes, more than the limit of " +
                                  std::to_string(options.max_bytes));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  TFCKPT_RETURN_IF_ERROR(file->Read(0, bytes.size(), bytes.data()));
  return bytes;
}

}  // namespace

StatusOr<tensorflow::MetaGraphDef> ParseMetaGraph(std::string_view bytes,
                                                  std::string_view what,
                                                  const ParseOptions& options) {
  tensorflow::MetaGraphDef meta_graph;
  TFCKPT_RETURN_IF_ERROR(ParseProto(bytes, what, options, &meta_graph));
  return meta_graph;
}

StatusOr<tensorflow::MetaGraphDef> ReadMetaGraphFile(
    const std::string& path, const ParseOptions& options) {
  TFCKPT_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, options));
  return ParseMetaGraph(bytes, path, options);
}

StatusOr<tensorflow::SavedModel> ReadSavedModelFile(
    const std::string& path, const ParseOptions& options) {
  TFCKPT_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path, options));
  tensorflow::SavedModel saved_model;
  TFCKPT_RETURN_IF_ERROR(ParseProto(bytes, path, options, &saved_model));
  return saved_model;
}

Status WriteMetaGraphFile(const tensorflow::MetaGraphDef& meta_graph,
                          const std::string& path, bool as_text,
                          FileSystem* file_system) {
  FileSystem* fs = file_system != nullptr ? file_system : FileSystem::Default();
  if (meta_graph.ByteSizeLong() > INT_MAX) {
    return InvalidArgumentError(
        "MetaGraphDef cannot be larger than 2GB. Received size: " +
        std::to_string(meta_graph.ByteSizeLong()) + ".");
  }
  std::string bytes;
  if (as_text) {
    if (!google::protobuf::TextFormat::PrintToString(meta_graph, &bytes)) {
      return InternalError("cannot print the MetaGraphDef as text");
    }
  } else {
    bytes = internal::DeterministicBytes(meta_graph);
  }
  const std::string dir = DirName(path);
  if (dir != "." && dir != "/") TFCKPT_RETURN_IF_ERROR(fs->CreateDir(dir));
  TFCKPT_ASSIGN_OR_RETURN(auto writer,
                          internal::AtomicFileWriter::Open(fs, path));
  TFCKPT_RETURN_IF_ERROR(writer->file()->Append(bytes));
  return writer->Commit();
}

}  // namespace tfckpt
