// tfckpt run: imports a .meta, optionally restores a checkpoint, feeds
// values (JSON or .npy), runs fetches and targets, optionally saves, and
// prints the fetched tensors as JSON.
#include <cstring>
#include <fstream>
#include <sstream>

#include "tfckpt/meta_graph.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

struct RunArgs {
  std::string meta;
  std::string restore;
  std::vector<std::string> feeds;
  std::vector<std::string> fetches;
  std::vector<std::string> targets;
  std::string save;
};

void Flatten(const nlohmann::json& j, std::vector<int64_t>* dims, size_t depth,
             std::vector<double>* values, bool* ok) {
  if (j.is_array()) {
    if (dims->size() == depth) dims->push_back(static_cast<int64_t>(j.size()));
    if ((*dims)[depth] != static_cast<int64_t>(j.size())) *ok = false;
    for (const auto& e : j) Flatten(e, dims, depth + 1, values, ok);
  } else if (j.is_number() || j.is_boolean()) {
    if (depth != dims->size()) *ok = false;
    values->push_back(j.is_boolean() ? (j.get<bool>() ? 1.0 : 0.0) : j.get<double>());
  } else {
    *ok = false;
  }
}

template <typename T>
void Store(Tensor* t, const std::vector<double>& values) {
  auto out = t->mutable_flat<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
}

StatusOr<Tensor> FromJson(const std::string& text, DataType dtype) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return InvalidArgumentError("not valid JSON: " + text);
  std::vector<int64_t> dims;
  std::vector<double> values;
  bool ok = true;
  Flatten(j, &dims, 0, &values, &ok);
  if (!ok) return InvalidArgumentError("not a rectangular numeric array: " + text);
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  switch (dtype) {
    case DataType::kFloat: Store<float>(&t, values); break;
    case DataType::kDouble: Store<double>(&t, values); break;
    case DataType::kInt32: Store<int32_t>(&t, values); break;
    case DataType::kInt64: Store<int64_t>(&t, values); break;
    case DataType::kBool: Store<bool>(&t, values); break;
    default:
      return UnimplementedError("cannot feed JSON as " + std::string(DataTypeName(dtype)));
  }
  return t;
}

// A C-order little-endian .npy of float32/64, int32/64 or bool.
StatusOr<Tensor> FromNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string data = buffer.str();
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) {
    return InvalidArgumentError(path + ": not an .npy file");
  }
  const int major = static_cast<unsigned char>(data[6]);
  const size_t len_bytes = major == 1 ? 2 : 4;
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) {
    header_len |= static_cast<size_t>(static_cast<unsigned char>(data[8 + i])) << (8 * i);
  }
  const size_t start = 8 + len_bytes;
  if (start + header_len > data.size()) return InvalidArgumentError(path + ": truncated");
  const std::string header = data.substr(start, header_len);
  auto field = [&](const std::string& key) {
    const size_t at = header.find("'" + key + "':");
    return at == std::string::npos ? std::string() : header.substr(at + key.size() + 3);
  };
  const std::string descr = field("descr");
  if (field("fortran_order").find("False") == std::string::npos) {
    return UnimplementedError(path + ": Fortran order");
  }
  DataType dtype = DataType::kInvalid;
  for (const auto& [code, type] :
       {std::pair<const char*, DataType>{"<f4", DataType::kFloat}, {"<f8", DataType::kDouble},
        {"<i4", DataType::kInt32}, {"<i8", DataType::kInt64}, {"|b1", DataType::kBool}}) {
    if (descr.find(code) != std::string::npos) dtype = type;
  }
  if (dtype == DataType::kInvalid) return UnimplementedError(path + ": dtype " + descr);
  std::string shape_text = field("shape");
  shape_text = shape_text.substr(shape_text.find('(') + 1);
  shape_text = shape_text.substr(0, shape_text.find(')'));
  std::vector<int64_t> dims;
  std::stringstream dims_in(shape_text);
  std::string item;
  while (std::getline(dims_in, item, ',')) {
    if (item.find_first_of("0123456789") != std::string::npos) dims.push_back(std::stoll(item));
  }
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
  return Tensor::FromBytes(dtype, shape, std::string_view(data).substr(start + header_len));
}

nlohmann::json ToJson(const Tensor& t) {
  nlohmann::json values = nlohmann::json::array();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const auto at = static_cast<size_t>(i);
    switch (t.dtype()) {
      case DataType::kFloat: values.push_back(t.flat<float>()[at]); break;
      case DataType::kDouble: values.push_back(t.flat<double>()[at]); break;
      case DataType::kInt32: values.push_back(t.flat<int32_t>()[at]); break;
      case DataType::kInt64: values.push_back(t.flat<int64_t>()[at]); break;
      case DataType::kBool: values.push_back(t.flat<bool>()[at]); break;
      case DataType::kString: values.push_back(t.strings()[at]); break;
      default: break;
    }
  }
  return {{"dtype", DataTypeName(t.dtype())},
          {"shape", std::vector<int64_t>(t.shape().dims().begin(), t.shape().dims().end())},
          {"values", values}};
}

int Run(const RunArgs& args) {
  Graph graph;
  auto imported = ImportMetaGraph(&graph, args.meta);
  if (!imported.ok()) return Fail(imported.status());
  auto session = Session::Create(&graph);
  if (!session.ok()) return Fail(session.status());
  std::unique_ptr<Saver> saver;
  if (!args.restore.empty() || !args.save.empty()) {
    if (!imported->saver.has_value()) {
      return Fail(InvalidArgumentError("the graph has no variables to restore or save"));
    }
    auto created = Saver::FromImported(&graph, *imported->saver);
    if (!created.ok()) return Fail(created.status());
    saver = *std::move(created);
  }
  if (!args.restore.empty()) {
    Status s = saver->Restore(session->get(), args.restore);
    if (!s.ok()) return Fail(s);
  }
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const std::string& feed : args.feeds) {
    const size_t eq = feed.find('=');
    if (eq == std::string::npos) return Fail(InvalidArgumentError("--feed needs name=value: " + feed));
    const std::string name = feed.substr(0, eq);
    const std::string value = feed.substr(eq + 1);
    auto element = graph.GetTensorByName(name);
    if (!element.ok()) return Fail(element.status());
    const DataType dtype = element->node->output_types()[static_cast<size_t>(element->index)];
    auto tensor = value.ends_with(".npy") ? FromNpy(value) : FromJson(value, dtype);
    if (!tensor.ok()) return Fail(tensor.status().WithContext("--feed " + name));
    feeds.emplace_back(name, *std::move(tensor));
  }
  auto out = (*session)->Run(feeds, args.fetches, args.targets);
  if (!out.ok()) return Fail(out.status());
  if (!args.save.empty()) {
    SaverSaveOptions options;
    options.write_meta_graph = true;
    auto prefix = saver->Save(session->get(), args.save, options);
    if (!prefix.ok()) return Fail(prefix.status());
  }
  nlohmann::json result = nlohmann::json::object();
  for (size_t i = 0; i < args.fetches.size(); ++i) result[args.fetches[i]] = ToJson((*out)[i]);
  std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return kExitOk;
}

}  // namespace

void AddRunCommand(CLI::App& app, Action* action) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Import a .meta graph, restore a checkpoint, run fetches and print them as JSON");
  cmd->add_option("meta", args->meta, "MetaGraphDef file (.meta)")->required();
  cmd->add_option("--restore", args->restore, "Checkpoint prefix to restore first");
  cmd->add_option("--feed", args->feeds,
                  "name=VALUE with VALUE a JSON number/array or a path ending in .npy");
  cmd->add_option("--fetch", args->fetches, "Tensor to fetch (\"op:0\")");
  cmd->add_option("--target", args->targets, "Operation to run for its effect");
  cmd->add_option("--save", args->save, "After running, save the variables to this prefix");
  cmd->callback([args, action] { *action = [args] { return Run(*args); }; });
}

}  // namespace tfckpt::cli
