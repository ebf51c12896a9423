// SPDX-License-Identifier: MIT
#include "filter/mail/message_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/dkim/error.h"
#include "filter/mail/fd_io.h"

namespace dkim::mail {

MessageInput::MessageInput(int fd) : fd_(fd) {
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) start_offset_ = ::lseek(fd, 0, SEEK_CUR);
}

void MessageInput::replay_body(int out_fd) {
  auto body = static_cast<off_t>(start_offset_ + static_cast<long long>(header_size_ + separator_size_));
  if (::lseek(fd_, body, SEEK_SET) != body)
    throw Error(ErrorKind::temporary, std::string("input: cannot rewind: ") + std::strerror(errno));
  copy_fd(fd_, out_fd);
}

void MessageInput::read_header_section(std::size_t limit) {
  constexpr std::size_t kChunk = 64 * 1024;
  std::size_t line_start = 0;
  std::size_t scanned = 0;
  for (;;) {
    // Look at each complete line read so far; an empty one ends the section.
    for (;;) {
      auto nl = buffer_.find('\n', scanned);
      if (nl == std::string::npos) {
        scanned = buffer_.size();
        break;
      }
      std::size_t len = nl + 1 - line_start;
      if (len == 1 || (len == 2 && buffer_[line_start] == '\r')) {
        header_size_ = line_start;
        separator_size_ = len;
        leftover_ = nl + 1;
        return;
      }
      line_start = scanned = nl + 1;
    }
    if (buffer_.size() >= limit) {
      too_large_ = true;
      header_size_ = leftover_ = buffer_.size();
      return;
    }
    std::size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    std::size_t n = read_some(fd_, buffer_.data() + old, kChunk);
    buffer_.resize(old + n);
    if (n == 0) {  // input ended inside the header section: no body
      eof_ = true;
      header_size_ = leftover_ = buffer_.size();
      return;
    }
  }
}

std::string_view MessageInput::read_body(char* scratch, std::size_t size) {
  if (leftover_ < buffer_.size()) {
    std::string_view rest = std::string_view(buffer_).substr(leftover_);
    leftover_ = buffer_.size();
    return rest;
  }
  if (eof_) return {};
  std::size_t n = read_some(fd_, scratch, size);
  if (n == 0) eof_ = true;
  return std::string_view(scratch, n);
}

}  // namespace dkim::mail
