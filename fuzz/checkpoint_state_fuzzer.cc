// Fuzzes the `checkpoint` state file parser. A state that parses must
// format to text that parses back to the same state, and formatting that
// state again must give the same text.
#include <cmath>
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "tfckpt/checkpoint_state.h"

namespace {

// Bitwise-minded equality: NaN equals NaN (operator== says otherwise).
bool SameDouble(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

bool SameState(const tfckpt::CheckpointState& a, const tfckpt::CheckpointState& b) {
  const auto& ta = a.all_model_checkpoint_timestamps;
  const auto& tb = b.all_model_checkpoint_timestamps;
  if (ta.size() != tb.size()) return false;
  for (size_t i = 0; i < ta.size(); ++i) {
    if (!SameDouble(ta[i], tb[i])) return false;
  }
  // 0 means absent, so -0.0 reads back as 0.
  const bool last_same = SameDouble(a.last_preserved_timestamp, b.last_preserved_timestamp) ||
                         (a.last_preserved_timestamp == 0 && b.last_preserved_timestamp == 0);
  return last_same && a.model_checkpoint_path == b.model_checkpoint_path &&
         a.all_model_checkpoint_paths == b.all_model_checkpoint_paths;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string; that output only slows fuzzing.
  static const bool kQuiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)kQuiet;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto state = tfckpt::ParseCheckpointState(text, "fuzz");
  if (!state.ok()) return 0;
  const std::string formatted = tfckpt::FormatCheckpointState(*state);
  auto reparsed = tfckpt::ParseCheckpointState(formatted, "formatted");
  if (!reparsed.ok()) {
    tfckpt::fuzzing::Fail("formatted state does not parse: " + reparsed.status().ToString() +
                          "\n" + formatted);
  }
  if (!SameState(*state, *reparsed)) {
    tfckpt::fuzzing::Fail("formatted state parses to a different state:\n" + formatted);
  }
  if (tfckpt::FormatCheckpointState(*reparsed) != formatted) {
    tfckpt::fuzzing::Fail("formatting is not stable:\n" + formatted);
  }
  return 0;
}
