#include "src/bundle/naming.h"

#include <cstdio>

namespace tfckpt::internal {

std::string MetaFilename(std::string_view prefix) {
  return std::string(prefix) + ".index";
}

std::string DataFilename(std::string_view prefix, int32_t shard_id,
                         int32_t num_shards) {
  char suffix[64];
  std::snprintf(suffix, sizeof(suffix), ".data-%05d-of-%05d", shard_id, num_shards);
  return std::string(prefix) + suffix;
}

}  // namespace tfckpt::internal
