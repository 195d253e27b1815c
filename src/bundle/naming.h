// File names of a tensor bundle with prefix P.
#ifndef TFCKPT_SRC_BUNDLE_NAMING_H_
#define TFCKPT_SRC_BUNDLE_NAMING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tfckpt::internal {

// "P.index".
std::string MetaFilename(std::string_view prefix);
// "P.data-00003-of-00010" (at least five digits each, wider when needed).
std::string DataFilename(std::string_view prefix, int32_t shard_id,
                         int32_t num_shards);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BUNDLE_NAMING_H_
