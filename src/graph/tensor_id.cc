#include <charconv>
#include <string>
#include <string_view>

#include "tfckpt/graph.h"

namespace tfckpt {

std::string TensorId::ToString() const {
  if (is_control()) return "^" + node;
  if (index == 0) return node;
  return node + ":" + std::to_string(index);
}

StatusOr<TensorId> ParseTensorId(std::string_view input) {
  TensorId id;
  std::string_view name = input;
  if (name.starts_with("^")) {
    name.remove_prefix(1);
    id.index = TensorId::kControlSlot;
  } else if (const size_t colon = name.rfind(':');
             colon != std::string_view::npos) {
    const std::string_view digits = name.substr(colon + 1);
    int index = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() ||
        end != digits.data() + digits.size() || index < 0) {
      return InvalidArgumentError("bad tensor name '" + std::string(input) +
                                  "': the output index must be a number");
    }
    id.index = index;
    name = name.substr(0, colon);
  }
  if (name.empty()) {
    return InvalidArgumentError("bad tensor name '" + std::string(input) +
                                "': empty node name");
  }
  id.node = std::string(name);
  return id;
}

std::string GraphElement::name() const {
  if (!is_tensor()) return node->name();
  return node->name() + ":" + std::to_string(index);
}

}  // namespace tfckpt
