// StatusOr<T>: either a value of type T or a non-OK Status.
//
//   tfckpt::StatusOr<Tensor> t = reader->ReadTensor("w1");
//   if (!t.ok()) return t.status();
//   Use(*t);
//
// A StatusOr never holds an OK status without a value: constructing one from
// OkStatus() yields an kInternal error instead.
//
// TFCKPT_ASSIGN_OR_RETURN(lhs, expr) expands to several statements, moves the
// value out of `expr`, and must not be used as the body of an unbraced if.
#ifndef TFCKPT_STATUSOR_H_
#define TFCKPT_STATUSOR_H_

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "tfckpt/status.h"

namespace tfckpt {

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  explicit StatusOr() : state_(UnknownError("uninitialized StatusOr")) {}
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like absl::StatusOr.
  StatusOr(Status status) : state_(std::move(status)) {
    if (std::get<Status>(state_).ok()) {
      state_ = InternalError("StatusOr constructed from an OK status");
    }
  }
  // NOLINTNEXTLINE(google-explicit-constructor)
  StatusOr(T value) : state_(std::move(value)) {}
  template <typename U,
            typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                        !std::is_same_v<std::decay_t<U>, T> &&
                                        !std::is_same_v<std::decay_t<U>, Status>>>
  // NOLINTNEXTLINE(google-explicit-constructor)
  StatusOr(U&& value) : state_(T(std::forward<U>(value))) {}

  bool ok() const { return std::holds_alternative<T>(state_); }

  // OK when a value is held.
  Status status() const {
    return ok() ? OkStatus() : std::get<Status>(state_);
  }

  // REQUIRES: ok().
  const T& value() const& { assert(ok()); return std::get<T>(state_); }
  T& value() & { assert(ok()); return std::get<T>(state_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(state_)); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace tfckpt

#define TFCKPT_STATUS_CONCAT_INNER_(a, b) a##b
#define TFCKPT_STATUS_CONCAT_(a, b) TFCKPT_STATUS_CONCAT_INNER_(a, b)

#define TFCKPT_ASSIGN_OR_RETURN(lhs, expr)                                  \
  TFCKPT_ASSIGN_OR_RETURN_IMPL_(                                            \
      TFCKPT_STATUS_CONCAT_(tfckpt_statusor_, __LINE__), lhs, expr)

#define TFCKPT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return statusor.status();            \
  lhs = std::move(statusor).value()

#endif  // TFCKPT_STATUSOR_H_
