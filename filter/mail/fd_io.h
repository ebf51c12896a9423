// SPDX-License-Identifier: MIT
// Plain POSIX I/O that survives EINTR and short writes. No iostreams on the
// hot path: a message goes through read(2) and write(2) in large blocks.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string_view>

namespace dkim::mail {

/// Reads up to `size` bytes; 0 at end of input. Throws Error(temporary).
std::size_t read_some(int fd, char* data, std::size_t size);

/// Writes everything or throws Error(temporary) ("output: ..."), e.g. on
/// EPIPE when the reader went away.
void write_all(int fd, const char* data, std::size_t size);
inline void write_all(int fd, std::string_view data) { write_all(fd, data.data(), data.size()); }

/// Copies `fd_in` from its current offset to its end into `fd_out`.
void copy_fd(int fd_in, int fd_out);

}  // namespace dkim::mail
