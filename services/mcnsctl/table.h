#pragma once
// Aligned text tables for people (`-o table`, the default): a header row in capitals,
// columns separated by two spaces and padded to their widest cell (UTF-8 aware enough
// for names and values: counted in code points), the last column not padded.
#include <ostream>
#include <string>
#include <vector>

namespace mcns::mcnsctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::size_t size() const noexcept { return rows_.size(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace mcns::mcnsctl
