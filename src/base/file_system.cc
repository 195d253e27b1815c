#include "tfckpt/file_system.h"

#include <fnmatch.h>

#include <algorithm>

namespace tfckpt {

Status RandomAccessFile::ReadScattered(uint64_t offset,
                                       std::span<const std::span<char>> dsts) const {
  for (const std::span<char> dst : dsts) {
    TFCKPT_RETURN_IF_ERROR(Read(offset, dst.size(), dst.data()));
    offset += dst.size();
  }
  return OkStatus();
}

StatusOr<std::vector<std::string>> MatchingPaths(FileSystem* fs,
                                                 const std::string& pattern) {
  const std::string base = BaseName(pattern);
  if (base.find_first_of("*?[") == std::string::npos) {
    if (fs->Exists(pattern).ok()) return std::vector<std::string>{pattern};
    return std::vector<std::string>{};
  }
  const std::string dir = DirName(pattern);
  auto names = fs->ListDir(dir);
  if (!names.ok()) {
    if (names.status().code() == StatusCode::kNotFound) return std::vector<std::string>{};
    return names.status();
  }
  std::vector<std::string> matches;
  // Keep the caller's spelling of the directory ("a/b" or "./a/b").
  const std::string head = pattern.substr(0, pattern.size() - base.size());
  for (const std::string& name : *names) {
    if (fnmatch(base.c_str(), name.c_str(), FNM_PERIOD) == 0) matches.push_back(head + name);
  }
  std::sort(matches.begin(), matches.end());
  return matches;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty() || (!b.empty() && b.front() == '/')) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

}  // namespace tfckpt
