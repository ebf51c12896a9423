// SPDX-License-Identifier: MIT
#include "filter/mail/spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "filter/base/error.h"
#include "filter/mail/fd_io.h"

namespace dkim::mail {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorKind::temporary, "spool: " + what + ": " + std::strerror(errno));
}

void seek(int fd, std::size_t offset) {
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) != static_cast<off_t>(offset)) fail("cannot seek");
}

}  // namespace

Spool::Spool(std::string dir, std::size_t memory_limit, std::size_t front_room)
    : dir_(std::move(dir)), memory_limit_(memory_limit), room_(front_room) {
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = (tmp && *tmp) ? tmp : "/tmp";
  }
}

Spool::~Spool() {
  if (file_ >= 0) ::close(file_);
}

int Spool::open_temporary_file() {
  // O_TMPFILE: the file never has a name, so nothing is left behind if we
  // are killed. Fall back to mkstemp + unlink where the filesystem lacks it.
  int fd = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string path = dir_ + "/dkim-filter.XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) fail("cannot create a temporary file in " + dir_);
  return fd;
}

void Spool::switch_to_file() {
  file_ = open_temporary_file();
  start_ = room_;
  seek(file_, room_);
  write_all_spool(memory_);
  std::string().swap(memory_);
}

void Spool::write(std::string_view data) {
  size_ += data.size();
  if (file_ < 0 && memory_.size() + data.size() <= memory_limit_) {
    memory_.append(data);
    return;
  }
  if (file_ < 0) switch_to_file();
  write_all_spool(data);
}

void Spool::write_all_spool(std::string_view data) {
  try {
    write_all(file_, data.data(), data.size());
  } catch (const Error& e) {
    throw Error(ErrorKind::temporary, std::string("spool: ") + e.what());
  }
}

void Spool::prepend(std::string_view data) {
  if (file_ < 0) {
    front_.assign(data);
    return;
  }
  if (data.size() <= room_) {
    start_ = room_ - data.size();
    seek(file_, start_);
    write_all_spool(data);
    return;
  }
  // More than the room kept: copy the data behind it into a new file (never
  // reached by any real set of signatures, but must still be right).
  int old = file_;
  file_ = open_temporary_file();
  try {
    write_all_spool(data);
    seek(old, room_);
    copy_fd(old, file_);
  } catch (...) {
    ::close(old);
    throw;
  }
  ::close(old);
  start_ = 0;
}

void Spool::replay(int fd) {
  if (file_ < 0) {
    write_all(fd, front_);
    write_all(fd, memory_);
    return;
  }
  seek(file_, start_);
  copy_fd(file_, fd);
}

int Spool::file() {
  if (file_ < 0) {
    // Small messages stay off the disk: an anonymous memory file.
    file_ = ::memfd_create("dkim-filter-spool", MFD_CLOEXEC);
    if (file_ < 0) file_ = open_temporary_file();  // no memfd (old kernel, seccomp)
    start_ = 0;
    write_all_spool(front_);
    write_all_spool(memory_);
    std::string().swap(front_);
    std::string().swap(memory_);
  }
  seek(file_, start_);
  return file_;
}

}  // namespace dkim::mail
