// Helpers on NodeDefs and names shared by the graph module: checking a node
// against its OpDef, default attrs, output types, and TF's name-scope string
// rules.
#ifndef TFCKPT_SRC_GRAPH_NODE_UTIL_H_
#define TFCKPT_SRC_GRAPH_NODE_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message_lite.h>

#include "tensorflow/core/framework/node_def.pb.h"
#include "tensorflow/core/framework/op_def.pb.h"
#include "tfckpt/dtype.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

// [A-Za-z0-9.][A-Za-z0-9_.\-/>]*, TF's rule for node names.
bool IsValidNodeName(std::string_view name);

// Adds the default of every attr `op` declares with one and `node` lacks.
void AddDefaultAttrs(const tensorflow::OpDef& op, tensorflow::NodeDef* node);

// Checks the attrs `op` declares (present unless defaulted, of the declared
// type, allowed value, minimum) and the number of data inputs. Attrs the op
// does not declare are allowed (newer producers, "_class", ...).
// INVALID_ARGUMENT "Node 'x' (op 'Add'): ...".
Status ValidateNode(const tensorflow::NodeDef& node, const tensorflow::OpDef& op,
                    int num_data_inputs);

// The dtype of every output (reference outputs give their base dtype).
StatusOr<std::vector<DataType>> OutputTypes(const tensorflow::NodeDef& node,
                                            const tensorflow::OpDef& op);
// The dtype of every data input the op declares, in order (as OutputTypes).
StatusOr<std::vector<DataType>> InputTypes(const tensorflow::NodeDef& node,
                                           const tensorflow::OpDef& op);
// TF's edge check: INVALID_ARGUMENT "Input 0 of node b was passed float32
// from a:0 incompatible with expected int32." when they differ.
Status CheckInputType(std::string_view node, size_t input, std::string_view source,
                      DataType passed, DataType expected);

// True when `value` equals the default `op` declares for attr `name`.
bool IsDefaultAttrValue(const tensorflow::OpDef& op, std::string_view name,
                        const tensorflow::AttrValue& value);

// TF's ops.prepend_name_scope: "x" -> "scope/x", "^x" -> "^scope/x",
// "loc:@x" -> "loc:@scope/x"; unchanged for an empty scope. A trailing '/'
// on the scope is ignored.
std::string PrependNameScope(std::string_view name, std::string_view scope);
// TF's ops.strip_name_scope, the inverse: removes "scope/" (and any further
// '/') after an optional '^' or "loc:@"; unchanged when absent.
std::string StripNameScope(std::string_view name, std::string_view scope);

// Deterministic serialization (sorted map entries), for comparing messages.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// Lower-cases ASCII letters (TF treats names case-insensitively when making
// them unique).
std::string AsciiLower(std::string_view s);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_GRAPH_NODE_UTIL_H_
