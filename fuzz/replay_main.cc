// Replays fuzzer inputs without libFuzzer (the simdjson fuzz/main.cpp
// pattern): every file named on the command line, and every file under every
// directory named, goes once through LLVMFuzzerTestOneInput. CTest runs this
// over the committed corpus and past crashes in ordinary and sanitizer
// builds. Hidden files (".gitkeep") are skipped. Fails when a path does not
// exist or nothing was replayed, so a broken corpus path cannot pass.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool ReadFile(const std::filesystem::path& path, std::vector<uint8_t>* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool Hidden(const std::filesystem::path& path) {
  return path.filename().string().starts_with('.');
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file() && !Hidden(entry.path())) inputs.push_back(entry.path());
      }
    } else if (std::filesystem::is_regular_file(arg, error)) {
      inputs.push_back(arg);
    } else {
      std::cerr << "no such file or directory: " << arg << "\n";
      return 1;
    }
  }
  // Sorted, so a failure names the same input on every machine.
  std::sort(inputs.begin(), inputs.end());
  std::vector<uint8_t> bytes;
  for (const auto& path : inputs) {
    if (!ReadFile(path, &bytes)) {
      std::cerr << "cannot read " << path << "\n";
      return 1;
    }
    std::cerr << "replaying " << path.string() << " (" << bytes.size() << " bytes)\n";
    // A heap copy of the exact size, so ASan sees any read past the end.
    std::vector<uint8_t> exact(bytes);
    LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
  }
  if (inputs.empty()) {
    std::cerr << "no inputs replayed\n";
    return 1;
  }
  std::cout << "replayed " << inputs.size() << " inputs\n";
  return 0;
}
