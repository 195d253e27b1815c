#include "fuzz/fuzz_util.h"

#include <cstdlib>
#include <iostream>

namespace tfckpt::fuzzing {

void Fail(std::string_view what) {
  std::cerr << "fuzz property violated: " << what << "\n";
  std::abort();
}

}  // namespace tfckpt::fuzzing
