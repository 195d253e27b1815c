// Umbrella header: everything a user of the checkpoint library needs.
#ifndef TFCKPT_TFCKPT_H_
#define TFCKPT_TFCKPT_H_

#include "tfckpt/bundle_reader.h"   // IWYU pragma: export
#include "tfckpt/bundle_writer.h"   // IWYU pragma: export
#include "tfckpt/dtype.h"           // IWYU pragma: export
#include "tfckpt/file_system.h"     // IWYU pragma: export
#include "tfckpt/status.h"          // IWYU pragma: export
#include "tfckpt/statusor.h"        // IWYU pragma: export
#include "tfckpt/tensor.h"          // IWYU pragma: export
#include "tfckpt/tensor_shape.h"    // IWYU pragma: export
#include "tfckpt/tensor_slice.h"    // IWYU pragma: export
#include "tfckpt/version.h"         // IWYU pragma: export

#endif  // TFCKPT_TFCKPT_H_
