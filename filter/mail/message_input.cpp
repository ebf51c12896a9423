// SPDX-License-Identifier: MIT
#include "filter/mail/message_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/base/error.h"
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

void MessageInput::grow(std::size_t room) {
  if (capacity_ - size_ >= room) return;
  std::size_t capacity = capacity_ ? capacity_ : room;
  while (capacity - size_ < room) capacity *= 2;
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (size_) std::memcpy(bigger.get(), buffer_.get(), size_);
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

void MessageInput::read_header_section(std::size_t limit) {
  constexpr std::size_t kChunk = 64 * 1024;
  std::size_t line_start = 0;
  std::size_t scanned = 0;
  for (;;) {
    // Look at each complete line read so far; an empty one ends the section.
    for (;;) {
      auto nl = buffered().find('\n', scanned);
      if (nl == std::string_view::npos) {
        scanned = size_;
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
    if (size_ >= limit) {
      too_large_ = true;
      header_size_ = leftover_ = size_;
      return;
    }
    grow(kChunk);
    std::size_t n = read_some(fd_, buffer_.get() + size_, kChunk);
    size_ += n;
    if (n == 0) {  // input ended inside the header section: no body
      eof_ = true;
      header_size_ = leftover_ = size_;
      return;
    }
  }
}

std::string_view MessageInput::read_body(char* scratch, std::size_t size) {
  if (leftover_ < size_) {
    std::string_view rest = buffered().substr(leftover_);
    leftover_ = size_;
    return rest;
  }
  if (eof_) return {};
  std::size_t n = read_some(fd_, scratch, size);
  if (n == 0) eof_ = true;
  return std::string_view(scratch, n);
}

}  // namespace dkim::mail
