// SPDX-License-Identifier: MIT
#include "filter/mail/fd_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "filter/dkim/error.h"

namespace dkim::mail {

std::size_t read_some(int fd, char* data, std::size_t size) {
  for (;;) {
    ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    throw Error(ErrorKind::temporary, std::string("input: read failed: ") + std::strerror(errno));
  }
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::temporary, std::string("output: write failed: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void copy_fd(int fd_in, int fd_out) {
  constexpr std::size_t kBlock = 256 * 1024;
  auto buffer = std::make_unique<char[]>(kBlock);
  for (;;) {
    std::size_t n = read_some(fd_in, buffer.get(), kBlock);
    if (n == 0) return;
    write_all(fd_out, buffer.get(), n);
  }
}

}  // namespace dkim::mail
