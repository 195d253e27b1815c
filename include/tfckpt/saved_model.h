// SavedModel directories: saved_model.pb (or .pbtxt), the meta graphs with
// their tags and signatures, and the variables checkpoint
// (variables/variables, a V2 bundle; TF2 ones carry an object graph).
//
//   TFCKPT_ASSIGN_OR_RETURN(SavedModelInfo model, ReadSavedModel("export/1"));
//   for (const MetaGraphSummary& mg : model.meta_graphs) ...  // tags {"serve"}
//   TFCKPT_ASSIGN_OR_RETURN(auto vars, OpenSavedModelVariables("export/1"));
//
// Running signatures needs the graph runtime and is not part of this header.
//
// Thread safety: functions are thread-safe; results are values.
#ifndef TFCKPT_SAVED_MODEL_H_
#define TFCKPT_SAVED_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "tensorflow/core/protobuf/saved_model.pb.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

struct MetaGraphSummary {
  std::vector<std::string> tags;
  // Signature keys in sorted order ("serving_default", ...).
  std::vector<std::string> signatures;
  bool has_object_graph = false;  // TF2 tf.saved_model.save
};

struct SavedModelInfo {
  std::string dir;
  tensorflow::SavedModel proto;
  std::vector<MetaGraphSummary> meta_graphs;
  // dir/variables/variables; its files may be absent (no variables).
  std::string variables_prefix;
};

// Reads DIR/saved_model.pb, else DIR/saved_model.pbtxt. NOT_FOUND when
// neither exists; DATA_LOSS when unparsable; RESOURCE_EXHAUSTED past 2 GiB.
StatusOr<SavedModelInfo> ReadSavedModel(const std::string& dir, FileSystem* fs = nullptr);

// The meta graph whose tags are exactly `tags` (in any order). NOT_FOUND
// naming the tag sets present otherwise.
StatusOr<const tensorflow::MetaGraphDef*> FindMetaGraph(const SavedModelInfo& model,
                                                        const std::vector<std::string>& tags);

// A reader of the SavedModel's variables (restoring them is reading them).
StatusOr<std::unique_ptr<CheckpointReader>> OpenSavedModelVariables(const std::string& dir,
                                                                    FileSystem* fs = nullptr);

}  // namespace tfckpt

#endif  // TFCKPT_SAVED_MODEL_H_
