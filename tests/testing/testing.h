// Test-only helpers shared by every tfckpt test.
#ifndef TFCKPT_TESTS_TESTING_TESTING_H_
#define TFCKPT_TESTS_TESTING_TESTING_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::testing {

// A fresh empty directory under $TMPDIR (or /tmp), removed with its contents
// when the object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(const std::string& name) const;

 private:
  std::string path_;
};

// Absolute path of `relative` inside the source tree.
std::string SourcePath(const std::string& relative);
// Absolute path of ../shared/testdata/tf-real/<relative> (beside the source
// tree); $TFCKPT_TF_REAL_DIR overrides the folder.
std::string TfRealPath(const std::string& relative);

// Seed for randomized tests: $TFCKPT_TEST_SEED if set, else a fixed default.
// Tests print it with SCOPED_TRACE so a failure can be replayed.
uint32_t RandomSeed();

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& contents);

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
Status GetStatus(const StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const Status s = GetStatus(arg);
  *result_listener << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + std::string(StatusCodeName(code))) {
  const Status s = GetStatus(arg);
  *result_listener << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + std::string(StatusCodeName(code))) {
  const Status s = GetStatus(arg);
  *result_listener << s.ToString();
  return s.code() == code &&
         ::testing::Matches(message_matcher)(s.message());
}

}  // namespace tfckpt::testing

#define TFCKPT_ASSERT_OK(expr) ASSERT_THAT((expr), ::tfckpt::testing::IsOk())
#define TFCKPT_EXPECT_OK(expr) EXPECT_THAT((expr), ::tfckpt::testing::IsOk())
// Assigns the value of a StatusOr expression or fails the test.
#define TFCKPT_ASSERT_OK_AND_ASSIGN(lhs, expr)                         \
  TFCKPT_ASSERT_OK_AND_ASSIGN_IMPL_(                                   \
      TFCKPT_STATUS_CONCAT_(tfckpt_test_statusor_, __LINE__), lhs, expr)
#define TFCKPT_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  ASSERT_THAT(statusor.status(), ::tfckpt::testing::IsOk());   \
  lhs = std::move(statusor).value()

#endif  // TFCKPT_TESTS_TESTING_TESTING_H_
