// SPDX-License-Identifier: MIT
#include "filter/mail/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "filter/dkim/error.h"
#include "filter/mail/fd_io.h"

namespace dkim::mail {

Spool::Spool(std::string dir, std::size_t memory_limit) : dir_(std::move(dir)), memory_limit_(memory_limit) {
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = (tmp && *tmp) ? tmp : "/tmp";
  }
}

Spool::~Spool() {
  if (file_ >= 0) ::close(file_);
}

void Spool::open_file() {
  // O_TMPFILE: the file never has a name, so nothing is left behind if we
  // are killed. Fall back to mkstemp + unlink where the filesystem lacks it.
  file_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (file_ < 0) {
    std::string path = dir_ + "/dkim-filter.XXXXXX";
    file_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (file_ >= 0) ::unlink(path.c_str());
  }
  if (file_ < 0)
    throw Error(ErrorKind::temporary,
                "spool: cannot create a temporary file in " + dir_ + ": " + std::strerror(errno));
}

void Spool::write(std::string_view data) {
  size_ += data.size();
  if (file_ < 0 && memory_.size() + data.size() <= memory_limit_) {
    memory_.append(data);
    return;
  }
  if (file_ < 0) {
    open_file();
    write_all_spool(memory_);
    std::string().swap(memory_);
  }
  write_all_spool(data);
}

void Spool::write_all_spool(std::string_view data) {
  try {
    write_all(file_, data.data(), data.size());
  } catch (const Error& e) {
    throw Error(ErrorKind::temporary, std::string("spool: ") + e.what());
  }
}

void Spool::replay(int fd) {
  if (file_ < 0) {
    write_all(fd, memory_);
    return;
  }
  if (::lseek(file_, 0, SEEK_SET) != 0)
    throw Error(ErrorKind::temporary, std::string("spool: cannot rewind: ") + std::strerror(errno));
  copy_fd(file_, fd);
}

}  // namespace dkim::mail
