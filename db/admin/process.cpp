// SPDX-License-Identifier: MIT
#include "db/admin/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "filter/base/error.h"

namespace dkim::admin {
namespace {

constexpr size_t kMaxOutput = 4 << 20;

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void flush_all() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv) {
  ProgramResult result;
  if (argv.empty()) return result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return result;
  // Errors of exec itself come back through a second pipe: a program that
  // is not there is told apart from one that exits 127.
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  flush_all();
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 2);
    }
    ::dup2(fds[1], 1);
    ::execvp(args[0], args.data());
    int e = errno;
    (void)!::write(err[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(fds[0]);
    ::close(err[0]);
    return result;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (result.out.size() < kMaxOutput) result.out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int exec_errno = 0;
  bool exec_failed = ::read(err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  ::close(err[0]);
  result.status = wait_status(pid);
  result.started = !exec_failed;
  return result;
}

std::optional<Account> find_account(const std::string& name) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return std::nullopt;
  return Account{pw.pw_name, static_cast<unsigned>(pw.pw_uid), static_cast<unsigned>(pw.pw_gid)};
}

std::string group_name(unsigned gid) {
  struct group gr {};
  struct group* found = nullptr;
  std::vector<char> buf(16384);
  if (::getgrgid_r(static_cast<gid_t>(gid), &gr, buf.data(), buf.size(), &found) == 0 && found)
    return gr.gr_name;
  return std::to_string(gid);
}

std::string current_user_text() {
  uid_t uid = ::getuid();
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  std::string name = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found
                         ? std::string(pw.pw_name)
                         : std::string("uid ") + std::to_string(uid);
  return name + " (uid " + std::to_string(uid) + ")";
}

int run_as(const Account& account, const std::function<int()>& body, Groups groups) {
  bool same = ::geteuid() == account.uid;
  if (!same && ::geteuid() != 0)
    throw Error(ErrorKind::usage, "checking as " + account.name + " needs root: run this as root (now " +
                                      current_user_text() + ")");
  flush_all();
  pid_t pid = ::fork();
  if (pid < 0) throw Error(ErrorKind::internal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int rc = 125;
    try {
      if (!same) {
        // Groups first (they need root), then the gid, then the uid; each
        // checked, so a failed drop never runs the body with root's rights.
        gid_t primary = account.gid;
        int grouped = groups == Groups::all ? ::initgroups(account.name.c_str(), account.gid)
                                            : ::setgroups(1, &primary);
        if (grouped != 0 || ::setgid(account.gid) != 0 || ::setuid(account.uid) != 0 ||
            ::getuid() != account.uid || ::geteuid() != account.uid || ::setuid(0) == 0) {
          std::cerr << "dkim-filter-admin: cannot become " << account.name << ": " << std::strerror(errno)
                    << "\n";
          std::cerr.flush();
          ::_exit(125);
        }
      }
      rc = body();
    } catch (const Error& e) {
      std::cerr << "dkim-filter-admin: " << e.what() << "\n";
      rc = 125;
    } catch (const std::exception& e) {
      std::cerr << "dkim-filter-admin: internal error: " << e.what() << "\n";
      rc = 125;
    }
    flush_all();
    ::_exit(rc);
  }
  int status = wait_status(pid);
  if (status < 0 || status > 125)
    throw Error(ErrorKind::internal,
                "the check as " + account.name + " did not finish (status " + std::to_string(status) + ")");
  return status;
}

}  // namespace dkim::admin
