// SPDX-License-Identifier: MIT
#include "filter/app/output.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter/dkim/error.h"

extern char** environ;

namespace dkim::app {

// Write errors were already reported by write_all; a pipe has nothing to
// flush.
int StdoutSink::close() { return exit_code::ok; }

SendmailSink::SendmailSink(std::string sendmail, std::string sender, std::vector<std::string> recipients)
    : sendmail_(std::move(sendmail)), sender_(std::move(sender)), recipients_(std::move(recipients)) {}

SendmailSink::~SendmailSink() {
  if (pipe_ >= 0) ::close(pipe_);
  if (child_ > 0) {
    int status;
    ::waitpid(child_, &status, 0);
  }
}

int SendmailSink::fd() {
  if (pipe_ >= 0) return pipe_;
  std::vector<std::string> args = {sendmail_, "-G", "-i", "-f", sender_, "--"};
  args.insert(args.end(), recipients_.begin(), recipients_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw Error(ErrorKind::temporary, std::string("sendmail: cannot create pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  pid_t pid;
  int rc = ::posix_spawn(&pid, sendmail_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    throw Error(ErrorKind::temporary, "sendmail: cannot run " + sendmail_ + ": " + std::strerror(rc));
  }
  child_ = pid;
  pipe_ = fds[1];
  return pipe_;
}

int SendmailSink::close() {
  if (child_ <= 0) fd();  // an empty message still goes through sendmail
  ::close(pipe_);
  pipe_ = -1;
  int status = 0;
  while (::waitpid(child_, &status, 0) < 0) {
    if (errno != EINTR) {
      child_ = -1;
      return exit_code::tempfail;
    }
  }
  child_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return exit_code::tempfail;  // killed: nothing was queued, let the MTA retry
}

}  // namespace dkim::app
