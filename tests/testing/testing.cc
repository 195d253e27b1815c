#include "tests/testing/testing.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tfckpt::testing {

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  std::string pattern = base + "/tfckpt_test_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Join(const std::string& name) const {
  return path_ + "/" + name;
}

std::string SourcePath(const std::string& relative) {
  return std::string(TFCKPT_SOURCE_DIR) + "/" + relative;
}

std::string TfRealPath(const std::string& relative) {
  const char* dir = std::getenv("TFCKPT_TF_REAL_DIR");
  std::string base = (dir != nullptr && *dir != '\0')
                         ? std::string(dir)
                         : std::string(TFCKPT_SOURCE_DIR) +
                               "/../shared/testdata/tf-real";
  return base + "/" + relative;
}

uint32_t RandomSeed() {
  const char* seed = std::getenv("TFCKPT_TEST_SEED");
  if (seed != nullptr && *seed != '\0') {
    return static_cast<uint32_t>(std::strtoul(seed, nullptr, 10));
  }
  return 301;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace tfckpt::testing
