#include "tfckpt/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/testing.h"
#include "tfckpt/statusor.h"

namespace tfckpt {
namespace {

using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s, OkStatus());
}

TEST(StatusTest, OkCodeDropsMessage) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s, OkStatus());
}

TEST(StatusTest, CodesMatchTensorFlowNumbersAndNames) {
  struct Case {
    Status status;
    StatusCode code;
    int number;
    const char* name;
  };
  const std::vector<Case> cases = {
      {CancelledError("m"), StatusCode::kCancelled, 1, "CANCELLED"},
      {UnknownError("m"), StatusCode::kUnknown, 2, "UNKNOWN"},
      {InvalidArgumentError("m"), StatusCode::kInvalidArgument, 3, "INVALID_ARGUMENT"},
      {NotFoundError("m"), StatusCode::kNotFound, 5, "NOT_FOUND"},
      {AlreadyExistsError("m"), StatusCode::kAlreadyExists, 6, "ALREADY_EXISTS"},
      {PermissionDeniedError("m"), StatusCode::kPermissionDenied, 7, "PERMISSION_DENIED"},
      {ResourceExhaustedError("m"), StatusCode::kResourceExhausted, 8, "RESOURCE_EXHAUSTED"},
      {FailedPreconditionError("m"), StatusCode::kFailedPrecondition, 9, "FAILED_PRECONDITION"},
      {AbortedError("m"), StatusCode::kAborted, 10, "ABORTED"},
      {OutOfRangeError("m"), StatusCode::kOutOfRange, 11, "OUT_OF_RANGE"},
      {UnimplementedError("m"), StatusCode::kUnimplemented, 12, "UNIMPLEMENTED"},
      {InternalError("m"), StatusCode::kInternal, 13, "INTERNAL"},
      {UnavailableError("m"), StatusCode::kUnavailable, 14, "UNAVAILABLE"},
      {DataLossError("m"), StatusCode::kDataLoss, 15, "DATA_LOSS"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(static_cast<int>(c.code), c.number);
    EXPECT_EQ(StatusCodeName(c.code), c.name);
    EXPECT_EQ(c.status.message(), "m");
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
  }
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
}

TEST(StatusTest, ToStringAndStream) {
  const Status s = DataLossError("msg");
  EXPECT_EQ(s.ToString(), "DATA_LOSS: msg");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "DATA_LOSS: msg");
}

TEST(StatusTest, WithContextPrefixesMessage) {
  const Status s = NotFoundError("no tensor w").WithContext("file a.index");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "file a.index: no tensor w");
  EXPECT_TRUE(OkStatus().WithContext("ctx").ok());
}

TEST(StatusTest, Equality) {
  EXPECT_EQ(InternalError("a"), InternalError("a"));
  EXPECT_FALSE(InternalError("a") == InternalError("b"));
  EXPECT_FALSE(InternalError("a") == DataLossError("a"));
}

Status FailIf(bool fail) {
  if (fail) return AbortedError("failed");
  return OkStatus();
}

Status ReturnIfErrorCaller(bool fail, int* reached) {
  TFCKPT_RETURN_IF_ERROR(FailIf(fail));
  ++*reached;
  return OkStatus();
}

TEST(StatusTest, ReturnIfError) {
  int reached = 0;
  EXPECT_THAT(ReturnIfErrorCaller(false, &reached), IsOk());
  EXPECT_EQ(reached, 1);
  EXPECT_THAT(ReturnIfErrorCaller(true, &reached),
              StatusIs(StatusCode::kAborted, "failed"));
  EXPECT_EQ(reached, 1);
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  EXPECT_EQ(v.value(), 42);
  EXPECT_TRUE(v.status().ok());
}

TEST(StatusOrTest, HoldsError) {
  StatusOr<int> v = NotFoundError("gone");
  EXPECT_FALSE(v.ok());
  EXPECT_THAT(v, StatusIs(StatusCode::kNotFound, "gone"));
}

TEST(StatusOrTest, OkStatusBecomesInternal) {
  StatusOr<int> v = OkStatus();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, DefaultIsUnknownError) {
  StatusOr<std::string> v;
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnknown);
}

TEST(StatusOrTest, ConvertingConstructorAndMoveOnly) {
  StatusOr<std::string> s = "abc";
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 3u);

  StatusOr<std::unique_ptr<int>> p = std::make_unique<int>(5);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> taken = std::move(p).value();
  EXPECT_EQ(*taken, 5);
}

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  TFCKPT_ASSIGN_OR_RETURN(int half, Half(x));
  TFCKPT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusOrTest, AssignOrReturn) {
  StatusOr<int> q = Quarter(8);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 2);
  EXPECT_THAT(Quarter(6), StatusIs(StatusCode::kInvalidArgument, "odd"));
  EXPECT_THAT(Quarter(3), StatusIs(StatusCode::kInvalidArgument));
}

StatusOr<std::unique_ptr<int>> MakeBox(int v) { return std::make_unique<int>(v); }

Status UnboxInto(int* out) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(9));
  *out = *box;
  return OkStatus();
}

TEST(StatusOrTest, AssignOrReturnMovesValue) {
  int out = 0;
  EXPECT_THAT(UnboxInto(&out), IsOk());
  EXPECT_EQ(out, 9);
}

}  // namespace
}  // namespace tfckpt
