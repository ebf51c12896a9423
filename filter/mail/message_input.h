// SPDX-License-Identifier: MIT
// Reads a message from a file descriptor: the header section whole (it is
// small and needed for signing), the body as a stream.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace dkim::mail {

/// Header sections larger than this are passed on unsigned rather than held.
constexpr std::size_t kMaxHeaderSection = 8 * 1024 * 1024;

class MessageInput {
 public:
  explicit MessageInput(int fd);

  /// Reads up to and including the empty line that ends the header section.
  /// Afterwards header() is the section without that line, separator() the
  /// line itself ("" when the input ended first), and the first body bytes
  /// already read are returned by the next read_body() calls.
  void read_header_section(std::size_t limit = kMaxHeaderSection);

  std::string_view header() const { return std::string_view(buffer_.get(), header_size_); }
  std::string_view separator() const {
    return std::string_view(buffer_.get() + header_size_, separator_size_);
  }
  /// True when the header section exceeded the limit: header() then holds
  /// only a prefix of it and must be passed on as-is.
  bool header_too_large() const { return too_large_; }

  /// Next body bytes; empty at end of input.
  std::string_view read_body(char* scratch, std::size_t size);

  /// True when the input is a regular file: the body can be read a second
  /// time from it, so it need not be spooled.
  bool rereadable() const { return start_offset_ >= 0; }
  /// Writes the body again, from the file (rereadable() only).
  void replay_body(int out_fd);

 private:
  int fd_;
  long long start_offset_ = -1;  // where the message starts in a regular file
  void grow(std::size_t room);
  std::string_view buffered() const { return std::string_view(buffer_.get(), size_); }

  // Grown by hand rather than as a std::string: resize() would zero-fill
  // every new block before read(2) overwrites it, touching pages for
  // nothing (page faults are a visible share of a small message's cost).
  std::unique_ptr<char[]> buffer_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::size_t header_size_ = 0;
  std::size_t separator_size_ = 0;
  std::size_t leftover_ = 0;  // offset of unread body bytes in buffer_
  bool too_large_ = false;
  bool eof_ = false;
};

}  // namespace dkim::mail
