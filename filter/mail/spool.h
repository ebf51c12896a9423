// SPDX-License-Identifier: MIT
// Holds the body while it is hashed, until the signature that goes in front
// of it is known: in memory up to a small limit, then in an unlinked
// temporary file, so a 50 MB message never needs 50 MB of memory.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dkim::mail {

class Spool {
 public:
  /// `dir`: where the temporary file goes (empty: $TMPDIR or /tmp).
  explicit Spool(std::string dir = {}, std::size_t memory_limit = 1024 * 1024);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  /// Throws Error(temporary) when the spool file cannot be written (disk
  /// full, directory not writable): the MTA keeps the message and retries.
  void write(std::string_view data);
  /// Writes everything spooled to `fd`.
  void replay(int fd);
  std::size_t size() const { return size_; }

 private:
  void open_file();
  void write_all_spool(std::string_view data);

  std::string dir_;
  std::size_t memory_limit_;
  std::string memory_;
  int file_ = -1;
  std::size_t size_ = 0;
};

}  // namespace dkim::mail
