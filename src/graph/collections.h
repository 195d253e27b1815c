// Which collection keys TensorFlow (2.21) serializes through a registered
// proto converter, and moving the names inside those protos between name
// scopes, as the converters' from_proto / to_proto do.
#ifndef TFCKPT_SRC_GRAPH_COLLECTIONS_H_
#define TFCKPT_SRC_GRAPH_COLLECTIONS_H_

#include <string>
#include <string_view>

#include "tfckpt/statusor.h"

namespace tfckpt::internal {

// Keys whose bytes_list values are serialized VariableDefs: "variables",
// "trainable_variables", "local_variables", "model_variables",
// "moving_average_variables", "metric_variables", "global_step".
bool IsVariableCollection(std::string_view key);
// Keys TF converts through a proto (the variable keys, "savers",
// "queue_runners", "cond_context", "while_context").
bool HasProtoConverter(std::string_view key);

enum class ScopeChange { kPrepend, kStrip };

// A serialized VariableDef with every name moved into (kPrepend) or out of
// (kStrip) `scope`. INVALID_ARGUMENT when `bytes` is not a VariableDef.
StatusOr<std::string> RescopeVariableDef(std::string_view bytes,
                                         std::string_view scope,
                                         ScopeChange change);
// The same for a serialized SaverDef.
StatusOr<std::string> RescopeSaverDef(std::string_view bytes,
                                      std::string_view scope,
                                      ScopeChange change);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_GRAPH_COLLECTIONS_H_
