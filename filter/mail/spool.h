// SPDX-License-Identifier: MIT
// Holds what is read until it can be sent: in memory up to a small limit,
// then in an unlinked temporary file, so a 50 MB message never needs 50 MB
// of memory. Nothing is left behind if the process dies: the file never has
// a name.
//
// The spool can also become the finished message as one file (file()):
// sendmail(1) is given it as its standard input, so it can never meet an
// early end of input, whatever happens to us. Bytes known only at the end
// (the DKIM-Signature fields, which go in front) are put into room kept
// free before the data (prepend()), so the body is never copied for them.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dkim::mail {

class Spool {
 public:
  static constexpr std::size_t kMemoryLimit = 1024 * 1024;

  /// `dir`: where the temporary file goes (empty: $TMPDIR or /tmp).
  /// `front_room`: bytes left free in front of the data in the file, so that
  /// prepend() of up to that many bytes needs no copy (a hole: it costs no
  /// disk or memory).
  explicit Spool(std::string dir = {}, std::size_t memory_limit = kMemoryLimit, std::size_t front_room = 0);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  /// Appends. Throws Error(temporary) when the spool file cannot be written
  /// (disk full, directory not writable): the MTA keeps the message and
  /// retries.
  void write(std::string_view data);
  /// Puts `data` in front of everything written; once, after the last
  /// write(). Throws Error(temporary) as write() does.
  void prepend(std::string_view data);
  /// Writes everything spooled (prepended bytes first) to `fd`.
  void replay(int fd);
  /// Everything spooled as one file, positioned at its first byte, readable
  /// to its end: a memfd for what was held in memory (memfd_create(2)), the
  /// spool file otherwise. Owned by the Spool. Throws Error(temporary).
  int file();
  /// Bytes written (prepended ones not counted).
  std::size_t size() const { return size_; }

 private:
  int open_temporary_file();
  void switch_to_file();
  void write_all_spool(std::string_view data);

  std::string dir_;
  std::size_t memory_limit_;
  std::size_t room_;
  std::string memory_;
  std::string front_;  // prepended while still in memory
  int file_ = -1;
  std::size_t start_ = 0;  // offset of the first byte in file_
  std::size_t size_ = 0;
};

}  // namespace dkim::mail
