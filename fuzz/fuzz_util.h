// Shared pieces of the fuzz targets.
#ifndef TFCKPT_FUZZ_FUZZ_UTIL_H_
#define TFCKPT_FUZZ_FUZZ_UTIL_H_

#include <string_view>

#include "tfckpt/bundle_reader.h"

namespace tfckpt::fuzzing {

// A violated property: prints `what` and aborts, which libFuzzer and the
// replay driver both report as a crash.
[[noreturn]] void Fail(std::string_view what);

// Lists every tensor of `reader` and reads each one every way the API
// offers (whole, into a buffer, stored slices, a sub-slice), then runs
// Verify() when `verify`. Errors are expected; what is checked is that a
// read that succeeds returns what the index promised.
void ExerciseBundle(const BundleReader& reader, bool verify);

}  // namespace tfckpt::fuzzing

#endif  // TFCKPT_FUZZ_FUZZ_UTIL_H_
