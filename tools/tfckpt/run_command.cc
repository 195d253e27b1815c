// tfckpt run: imports a .meta (or a TF1-style SavedModel's meta graph, whose
// variables it restores and whose signature keys --feed and --fetch may
// use), optionally restores a checkpoint, feeds values (JSON or .npy), runs
// fetches and targets, optionally saves, and prints the fetched tensors as
// JSON.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "tfckpt/meta_graph.h"
#include "tfckpt/saved_model.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

struct RunArgs {
  std::string meta;
  std::string saved_model;
  std::vector<std::string> tags = {"serve"};
  std::string signature;
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

// `status` with each line break (and the indentation after it) turned into
// one space: the Session appends "\n\t [[{{node X}}]]" to kernel errors, and
// the CLI prints one line per error.
Status OneLine(const Status& status) {
  std::string message;
  bool in_break = false;
  for (const char c : status.message()) {
    if (c == '\n' || c == '\r' || (in_break && (c == '\t' || c == ' '))) {
      if (!in_break) message += ' ';
      in_break = true;
      continue;
    }
    in_break = false;
    message += c;
  }
  return Status(status.code(), std::move(message));
}

// The graph to run, where to restore its variables from, and the signature
// whose keys --feed and --fetch use.
struct LoadedGraph {
  std::unique_ptr<Graph> graph = std::make_unique<Graph>();
  ImportMetaGraphResult imported;
  std::string restore_prefix;
  std::optional<tensorflow::SignatureDef> signature;
  // Run after the restore, as TF's SavedModel loader runs its init op.
  std::vector<std::string> init_targets;
};

// The op the SavedModel records as its initializer: the "__saved_model_init_op"
// signature's output (TF 2 builders), else the "saved_model_main_op" or
// "legacy_init_op" collection (TF 1).
StatusOr<std::vector<std::string>> SavedModelInitTargets(const LoadedGraph& loaded) {
  constexpr std::string_view kInitOpKey = "__saved_model_init_op";
  if (auto it = loaded.imported.signature_defs.find(std::string(kInitOpKey));
      it != loaded.imported.signature_defs.end()) {
    auto output = it->second.outputs().find(std::string(kInitOpKey));
    if (output != it->second.outputs().end()) {
      const std::string& tensor = output->second.name();
      return std::vector<std::string>{tensor.substr(0, tensor.find(':'))};
    }
  }
  for (const char* key : {"saved_model_main_op", "legacy_init_op"}) {
    TFCKPT_ASSIGN_OR_RETURN(const std::vector<GraphElement> ops,
                            loaded.graph->GetCollectionElements(key));
    if (ops.empty()) continue;
    std::vector<std::string> targets;
    for (const GraphElement& op : ops) targets.push_back(op.node->name());
    return targets;
  }
  return std::vector<std::string>{};
}

StatusOr<LoadedGraph> LoadSavedModel(const RunArgs& args) {
  TFCKPT_ASSIGN_OR_RETURN(const SavedModelInfo model, ReadSavedModel(args.saved_model));
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::MetaGraphDef* meta_graph,
                          FindMetaGraph(model, args.tags));
  if (meta_graph->has_object_graph_def()) {
    return UnimplementedError(args.saved_model +
                              ": a TF2 SavedModel (tf.saved_model.save), whose signatures are "
                              "functions tfckpt cannot run; TF1-style SavedModels "
                              "(tf.compat.v1.saved_model) run");
  }
  LoadedGraph loaded;
  TFCKPT_ASSIGN_OR_RETURN(loaded.imported, ImportMetaGraph(loaded.graph.get(), *meta_graph));
  std::error_code error;
  if (std::filesystem::exists(model.variables_prefix + ".index", error)) {
    loaded.restore_prefix = model.variables_prefix;
  }
  TFCKPT_ASSIGN_OR_RETURN(loaded.init_targets, SavedModelInitTargets(loaded));
  if (!args.signature.empty()) {
    auto it = loaded.imported.signature_defs.find(args.signature);
    if (it == loaded.imported.signature_defs.end()) {
      std::string present;
      for (const auto& [key, unused] : loaded.imported.signature_defs) present += " " + key;
      return NotFoundError(args.saved_model + ": no signature '" + args.signature +
                           "'; present:" + (present.empty() ? " none" : present));
    }
    loaded.signature = it->second;
  }
  return loaded;
}

// The graph tensor a --feed or --fetch key names: with a signature, the
// tensor of that input or output key; without, the key itself.
StatusOr<std::string> SignatureTensor(const LoadedGraph& loaded, const std::string& key,
                                      bool input) {
  if (!loaded.signature.has_value()) return key;
  const auto& map = input ? loaded.signature->inputs() : loaded.signature->outputs();
  auto it = map.find(key);
  if (it == map.end()) {
    std::vector<std::string> keys;
    for (const auto& [name, unused] : map) keys.push_back(name);
    std::sort(keys.begin(), keys.end());
    std::string present;
    for (const std::string& name : keys) present += " " + name;
    return NotFoundError("signature has no " + std::string(input ? "input" : "output") +
                         " '" + key + "'; its " + (input ? "inputs" : "outputs") + ":" +
                         present);
  }
  if (it->second.name().empty()) {
    return UnimplementedError("signature " + std::string(input ? "input" : "output") + " '" +
                              key + "' is not a dense tensor (sparse or composite)");
  }
  return it->second.name();
}

Status RunStatus(const RunArgs& args) {
  LoadedGraph loaded;
  if (!args.saved_model.empty()) {
    TFCKPT_ASSIGN_OR_RETURN(loaded, LoadSavedModel(args));
  } else {
    TFCKPT_ASSIGN_OR_RETURN(loaded.imported, ImportMetaGraph(loaded.graph.get(), args.meta));
  }
  if (!args.restore.empty()) loaded.restore_prefix = args.restore;
  const Graph& graph = *loaded.graph;
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(&graph));
  std::unique_ptr<Saver> saver;
  if (!loaded.restore_prefix.empty() || !args.save.empty()) {
    if (!loaded.imported.saver.has_value()) {
      return InvalidArgumentError("the graph has no variables to restore or save");
    }
    TFCKPT_ASSIGN_OR_RETURN(saver, Saver::FromImported(loaded.graph.get(),
                                                       *loaded.imported.saver));
  }
  if (!loaded.restore_prefix.empty()) {
    TFCKPT_RETURN_IF_ERROR(saver->Restore(session.get(), loaded.restore_prefix));
  }
  if (!loaded.init_targets.empty()) {
    TFCKPT_RETURN_IF_ERROR(session->Run({}, {}, loaded.init_targets).status());
  }
  std::vector<std::pair<std::string, Tensor>> feeds;
  for (const std::string& feed : args.feeds) {
    const size_t eq = feed.find('=');
    if (eq == std::string::npos) return InvalidArgumentError("--feed needs name=value: " + feed);
    const std::string key = feed.substr(0, eq);
    const std::string value = feed.substr(eq + 1);
    TFCKPT_ASSIGN_OR_RETURN(const std::string name, SignatureTensor(loaded, key, true));
    TFCKPT_ASSIGN_OR_RETURN(const GraphElement element, graph.GetTensorByName(name));
    const DataType dtype = element.node->output_types()[static_cast<size_t>(element.index)];
    auto tensor = value.ends_with(".npy") ? FromNpy(value) : FromJson(value, dtype);
    if (!tensor.ok()) return tensor.status().WithContext("--feed " + key);
    feeds.emplace_back(name, *std::move(tensor));
  }
  // With a signature and no --fetch: every output, in key order.
  std::vector<std::string> fetch_keys = args.fetches;
  if (fetch_keys.empty() && loaded.signature.has_value()) {
    for (const auto& [key, unused] : loaded.signature->outputs()) fetch_keys.push_back(key);
    std::sort(fetch_keys.begin(), fetch_keys.end());
  }
  std::vector<std::string> fetches;
  for (const std::string& key : fetch_keys) {
    TFCKPT_ASSIGN_OR_RETURN(std::string name, SignatureTensor(loaded, key, false));
    fetches.push_back(std::move(name));
  }
  TFCKPT_ASSIGN_OR_RETURN(const std::vector<Tensor> out,
                          session->Run(feeds, fetches, args.targets));
  if (!args.save.empty()) {
    SaverSaveOptions options;
    options.write_meta_graph = true;
    TFCKPT_RETURN_IF_ERROR(saver->Save(session.get(), args.save, options).status());
  }
  nlohmann::json result = nlohmann::json::object();
  for (size_t i = 0; i < fetch_keys.size(); ++i) result[fetch_keys[i]] = ToJson(out[i]);
  std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return OkStatus();
}

}  // namespace

void AddRunCommand(CLI::App& app, Action* action) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Import a .meta graph (or a TF1-style SavedModel), restore a checkpoint, run fetches "
      "and print them as JSON");
  CLI::Option* meta = cmd->add_option("meta", args->meta, "MetaGraphDef file (.meta)");
  CLI::Option* saved_model =
      cmd->add_option("--saved-model", args->saved_model,
                      "SavedModel directory instead of a .meta: its variables/ are restored")
          ->excludes(meta);
  cmd->add_option("--tag", args->tags, "Tags of the SavedModel's meta graph (default: serve)")
      ->needs(saved_model);
  cmd->add_option("--signature", args->signature,
                  "SignatureDef key (\"serving_default\"): --feed and --fetch then name its "
                  "input and output keys; without --fetch every output is fetched")
      ->needs(saved_model);
  cmd->add_option("--restore", args->restore, "Checkpoint prefix to restore first");
  cmd->add_option("--feed", args->feeds,
                  "name=VALUE with VALUE a JSON number/array or a path ending in .npy");
  cmd->add_option("--fetch", args->fetches, "Tensor to fetch (\"op:0\")");
  cmd->add_option("--target", args->targets, "Operation to run for its effect");
  cmd->add_option("--save", args->save, "After running, save the variables to this prefix");
  cmd->callback([args, action] {
    if (args->meta.empty() && args->saved_model.empty()) {
      throw CLI::RequiredError("a .meta file or --saved-model DIR");
    }
    *action = [args] {
      const Status status = RunStatus(*args);
      return status.ok() ? kExitOk : Fail(OneLine(status));
    };
  });
}

}  // namespace tfckpt::cli
