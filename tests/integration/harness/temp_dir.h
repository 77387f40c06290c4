#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end.
#include <string>

namespace mcns::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const noexcept { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to file(name) with `mode`; returns the path.
  std::string write(const std::string& name, const std::string& content, unsigned mode = 0600) const;

 private:
  std::string path_;
};

}  // namespace mcns::test
