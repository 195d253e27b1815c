// Which collection keys TensorFlow (2.21) serializes through a registered
// proto converter, and moving the names inside those protos between name
// scopes, as the converters' from_proto / to_proto do.
#ifndef TFCKPT_SRC_GRAPH_COLLECTIONS_H_
#define TFCKPT_SRC_GRAPH_COLLECTIONS_H_

#include <optional>
#include <string>
#include <string_view>

#include "tfckpt/statusor.h"

namespace tfckpt {
class Graph;
}  // namespace tfckpt

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

// A "queue_runners", "cond_context" or "while_context" entry (a
// QueueRunnerDef, CondContextDef or WhileContextDef) with every name moved:
// kPrepend is TF's from_proto with an import scope (each op or tensor name
// must resolve in `graph`, else INVALID_ARGUMENT naming the collection; a
// runner without queue_closed_exception_types gets OUT_OF_RANGE); kStrip is
// to_proto with an export scope (nullopt for an entry whose queue or
// context is outside `scope`, which TF leaves out). INVALID_ARGUMENT when
// `bytes` does not parse.
StatusOr<std::optional<std::string>> RescopeControlFlowEntry(
    std::string_view key, std::string_view bytes, std::string_view scope,
    ScopeChange change, const Graph& graph);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_GRAPH_COLLECTIONS_H_
