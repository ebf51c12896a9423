// SPDX-License-Identifier: MIT
#include "filter/mail/fd_io.h"

#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "filter/base/error.h"

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
  // sendfile(2) moves the bytes inside the kernel: a 50 MB body replayed
  // from the input file or the spool never passes through our memory.
  constexpr std::size_t kSendfileChunk = 1 << 30;
  for (;;) {
    ssize_t n = ::sendfile(fd_out, fd_in, nullptr, kSendfileChunk);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    // A source it can't map, or an O_APPEND output: copy by hand.
    if (errno == EINVAL || errno == ENOSYS) break;
    throw Error(ErrorKind::temporary, std::string("output: copy failed: ") + std::strerror(errno));
  }
  constexpr std::size_t kBlock = 256 * 1024;
  std::unique_ptr<char[]> buffer(new char[kBlock]);  // not zero-filled: untouched pages cost nothing
  for (;;) {
    std::size_t n = read_some(fd_in, buffer.get(), kBlock);
    if (n == 0) return;
    write_all(fd_out, buffer.get(), n);
  }
}

}  // namespace dkim::mail
