// SPDX-License-Identifier: MIT
#include "filter/base/trusted_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "filter/base/error.h"

namespace dkim {
namespace {

constexpr std::size_t kMaxSize = 1 << 20;

// `--config /dev/null` is how an administrator says "no file" (as with
// ssh -F /dev/null): the null device (Linux devices.txt: char 1:3) reads
// as empty and is accepted.
bool is_null_device(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

std::string trust_problem(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "cannot stat " + path + ": " + std::strerror(errno);
  if (is_null_device(st)) return {};
  if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return path + " is owned by uid " + std::to_string(st.st_uid) +
           ", not root or this program's user (uid " + std::to_string(::geteuid()) + "): run chown root " +
           path;
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return path + " is writable by group or others (mode " + mode + "): run chmod go-w " + path;
  }
  return {};
}

}  // namespace

std::optional<std::string> read_trusted_file(const std::string& path, bool must_exist,
                                             std::string_view unreadable_hint) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (!must_exist && errno == ENOENT) return std::nullopt;
    std::string what = "config: cannot read " + path + ": " + std::strerror(errno);
    if (!unreadable_hint.empty()) what += " " + std::string(unreadable_hint);
    throw Error(ErrorKind::config, what);
  }
  std::string text, problem = trust_problem(fd, path);
  char buf[4096];
  for (ssize_t n; problem.empty() && (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n > 0)
      text.append(buf, static_cast<std::size_t>(n));
    else if (errno != EINTR)
      problem = "cannot read " + path + ": " + std::strerror(errno);
    if (text.size() > kMaxSize) problem = path + " is larger than 1 MB: not a configuration file";
  }
  ::close(fd);
  if (!problem.empty()) throw Error(ErrorKind::config, "config: " + problem);
  return text;
}

}  // namespace dkim
