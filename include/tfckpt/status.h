// Status: the outcome of an operation that can fail, with TensorFlow's
// canonical error codes (same numbers as tf.errors / absl::StatusCode).
//
//   tfckpt::Status s = writer->Finish();
//   if (!s.ok()) std::cerr << s.ToString() << "\n";  // "DATA_LOSS: file: ..."
//
// Which code to use:
//   kDataLoss           bad checksum, truncated file, unparsable record
//   kNotFound           missing tensor or file
//   kInvalidArgument    caller mistakes and malformed (but intact) input
//   kFailedPrecondition API misuse, e.g. Add() after Finish()
//   kUnimplemented      unsupported dtype, format version or feature
//   kOutOfRange         reads past the end of a file
//   kResourceExhausted  input asks for more memory than the limits allow
//   kInternal           bugs only
//
// Thread safety: Status is a value type; distinct objects may be used from
// different threads.
#ifndef TFCKPT_STATUS_H_
#define TFCKPT_STATUS_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace tfckpt {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "OK", "INVALID_ARGUMENT", "DATA_LOSS", ... as TensorFlow spells them.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  // A code of kOk ignores the message.
  Status(StatusCode code, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK" or "<CODE NAME>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status OkStatus() { return Status(); }
Status CancelledError(std::string message);
Status UnknownError(std::string message);
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);

}  // namespace tfckpt

// Evaluates `expr` (a Status) and returns it from the calling function if it
// is not OK.
#define TFCKPT_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    ::tfckpt::Status tfckpt_status_ = (expr);                 \
    if (!tfckpt_status_.ok()) return tfckpt_status_;          \
  } while (false)

#endif  // TFCKPT_STATUS_H_
