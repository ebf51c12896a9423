// SPDX-License-Identifier: MIT
#include "filter/app/output.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/dkim/error.h"

extern char** environ;

namespace dkim::app {
namespace {

// The running sendmail child, for the signal handler below.
volatile sig_atomic_t g_child = -1;

// Postfix's sendmail takes end of input as the end of the message. If we
// die mid-message (SIGTERM while the body still streams in), the pipe
// closes and sendmail would queue a truncated copy while the MTA retries
// the whole one. Kill sendmail first, so it never sees that end of input.
extern "C" void kill_child_and_die(int sig) {
  pid_t child = g_child;
  if (child > 0) ::kill(child, SIGKILL);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

constexpr int kFatalSignals[] = {SIGTERM, SIGINT, SIGHUP};

sigset_t fatal_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kFatalSignals) sigaddset(&set, sig);
  return set;
}

// The child starts with default signal actions and an empty mask: main()
// ignores SIGPIPE and SIGXFSZ for us, and ignored signals survive exec.
struct SpawnAttributes {
  posix_spawnattr_t attr;
  SpawnAttributes() {
    posix_spawnattr_init(&attr);
    sigset_t defaults, empty;
    sigemptyset(&empty);
    defaults = fatal_signal_set();
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGXFSZ);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

// Write errors were already reported by write_all; a pipe has nothing to
// flush.
int StdoutSink::close() { return exit_code::ok; }
int StdoutSink::abort() { return exit_code::tempfail; }

SendmailSink::SendmailSink(std::string sendmail, std::string sender, std::vector<std::string> recipients)
    : sendmail_(std::move(sendmail)), sender_(std::move(sender)), recipients_(std::move(recipients)) {}

SendmailSink::~SendmailSink() {
  // Still running means close() was never reached (an exception left the
  // message unfinished): kill sendmail before it sees end of input and
  // queues a truncated copy.
  if (child_ > 0) ::kill(child_, SIGKILL);
  if (pipe_ >= 0) ::close(pipe_);
  if (child_ > 0) {
    int status;
    ::waitpid(child_, &status, 0);
    g_child = -1;
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
  SpawnAttributes attributes;
  // No fatal signal between the spawn and g_child being set.
  sigset_t fatal = fatal_signal_set(), old;
  ::sigprocmask(SIG_BLOCK, &fatal, &old);
  pid_t pid;
  int rc = ::posix_spawn(&pid, sendmail_.c_str(), &actions, &attributes.attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc == 0) {
    g_child = pid;
    for (int sig : kFatalSignals) ::signal(sig, kill_child_and_die);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (rc != 0) {
    ::close(fds[1]);
    throw Error(ErrorKind::temporary, "sendmail: cannot run " + sendmail_ + ": " + std::strerror(rc));
  }
  child_ = pid;
  pipe_ = fds[1];
  return pipe_;
}

int SendmailSink::close() {
  if (child_ <= 0) {  // an empty message still goes through sendmail
    try {
      fd();
    } catch (const Error&) {
      return exit_code::tempfail;  // could not start it: the caller logged why
    }
  }
  ::close(pipe_);
  pipe_ = -1;
  int status = 0;
  while (::waitpid(child_, &status, 0) < 0) {
    if (errno != EINTR) {
      child_ = g_child = -1;
      return exit_code::tempfail;
    }
  }
  child_ = -1;
  g_child = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return exit_code::tempfail;  // killed: nothing was queued, let the MTA retry
}

int SendmailSink::abort() {
  if (child_ <= 0) return exit_code::tempfail;
  // If sendmail closed its end (the EPIPE we got), it cannot take end of
  // input for the end of the message: wait for its own status. If it is
  // still reading, closing the pipe would make it queue what it has: kill
  // it first.
  pollfd p{pipe_, POLLOUT, 0};
  bool reader_gone = ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
  if (!reader_gone) ::kill(child_, SIGKILL);
  int status = close();
  return status == exit_code::ok ? exit_code::tempfail : status;
}

}  // namespace dkim::app
