// SPDX-License-Identifier: MIT
#include "filter/app/output.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/base/error.h"

extern char** environ;

namespace dkim::app {
namespace {

// The running sendmail child, for the signal handler below.
volatile sig_atomic_t g_child = -1;

// PR_SET_PDEATHSIG does not survive the exec of a set-user-ID or
// set-group-ID program (prctl(2)), which some sendmail(1) implementations
// are: for the signals we can catch, kill it ourselves before dying, so it
// does not go on after the MTA has been told to retry.
extern "C" void kill_child_and_die(int sig) {
  pid_t child = g_child;
  if (child > 0) ::kill(child, SIGKILL);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// The signals whose default action ends the process and that can be caught.
constexpr int kFatalSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM};

sigset_t fatal_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kFatalSignals) sigaddset(&set, sig);
  return set;
}

// In the child between vfork(2) and execve(2): async-signal-safe system
// calls only, no allocation, no return (the stack is the parent's).
[[noreturn]] void exec_child(const char* path, char* const argv[], int message, pid_t parent, int report) {
  // Default actions for what we catch or ignore: main() ignores SIGPIPE and
  // SIGXFSZ for us, and ignored signals survive exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : kFatalSignals) ::sigaction(sig, &dfl, nullptr);
  ::sigaction(SIGPIPE, &dfl, nullptr);
  ::sigaction(SIGXFSZ, &dfl, nullptr);
  // Dies with us. If we already died before this line, the signal will
  // never come: the parent is no longer the one that forked (prctl(2)).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(exit_code::tempfail);
  if (message == 0) {
    int flags = ::fcntl(0, F_GETFD);
    ::fcntl(0, F_SETFD, flags & ~FD_CLOEXEC);
  } else if (::dup2(message, 0) != 0) {
    int e = errno;
    (void)!::write(report, &e, sizeof e);
    ::_exit(exit_code::tempfail);
  }
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::execve(path, argv, environ);
  int e = errno;
  (void)!::write(report, &e, sizeof e);
  ::_exit(exit_code::tempfail);
}

}  // namespace

int StdoutSink::close() { return exit_code::ok; }
int StdoutSink::abort() { return exit_code::tempfail; }

Sendmail::Sendmail(std::string sendmail, std::string sender, std::vector<std::string> recipients)
    : sendmail_(std::move(sendmail)) {
  args_ = {sendmail_, "-G", "-i", "-f", std::move(sender), "--"};
  for (auto& r : recipients) args_.push_back(std::move(r));
}

int Sendmail::send(int message, std::string& error) noexcept {
  std::vector<char*> argv;
  try {
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
  } catch (const std::bad_alloc&) {
    error = "sendmail: out of memory";
    return exit_code::tempfail;
  }
  // The child reports a failed exec through this pipe; end of file on it
  // means the exec succeeded (O_CLOEXEC).
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = std::string("sendmail: cannot create pipe: ") + std::strerror(errno);
    return exit_code::tempfail;
  }
  // No fatal signal between the fork and g_child being set, in either
  // process. vfork(2), not posix_spawn(3): only code of our own between
  // fork and exec can set the parent-death signal; and not fork(2), which
  // would copy our page tables for a child that only execs. The child runs
  // async-signal-safe system calls only, on a copy of our signal actions
  // (no CLONE_SIGHAND), with the signals we handle blocked until it has
  // reset them; we are suspended until it execs or exits.
  sigset_t fatal = fatal_signal_set(), old;
  ::sigprocmask(SIG_BLOCK, &fatal, &old);
  pid_t parent = ::getpid();
  pid_t pid = ::vfork();
  if (pid == 0) exec_child(sendmail_.c_str(), argv.data(), message, parent, report[1]);
  int fork_errno = errno;
  if (pid > 0) {
    g_child = pid;
    for (int sig : kFatalSignals) ::signal(sig, kill_child_and_die);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    error = std::string("sendmail: cannot start it: ") + std::strerror(fork_errno);
    return exit_code::tempfail;
  }
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  int status = 0;
  pid_t waited;
  while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  g_child = -1;
  if (waited != pid) {
    error = std::string("sendmail: cannot wait for it: ") + std::strerror(errno);
    return exit_code::tempfail;
  }
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    error = "sendmail: cannot run " + sendmail_ + ": " + std::strerror(child_errno);
    return exit_code::tempfail;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  // Killed: whatever it did, the MTA retries the message.
  error = "sendmail: killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return exit_code::tempfail;
}

}  // namespace dkim::app
