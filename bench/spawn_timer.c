// SPDX-License-Identifier: MIT
// Times signer processes, one message per process, with as little of its
// own cost inside the measurement as a harness can have: fork, exec, wait4.
//
//   spawn_timer [--pipe] MESSAGE RUNS -- CMD_A ARGS... [-- CMD_B ARGS...] ...
//
// Runs the commands alternately (A B C A B C ...), RUNS times each, stdin
// the message (a regular file, or with --pipe a pipe fed by a child process
// that is started before the clock, as Postfix's pipe(8) hands a message
// over), stdout /dev/null. Prints one line per run:
//
//   <command index> <wall seconds> <peak RSS KiB>
//
// Why not /usr/bin/time or Python's subprocess: each adds a fork+exec of
// its own (about a millisecond) to every sample alike, which pulls every
// ratio towards 1. The peak RSS comes from wait4(): this harness is small
// and forks (no vfork), so the high-water mark the child inherits at exec
// is this program's, below any signer's.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxCommands = 8 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what) {
  fprintf(stderr, "spawn_timer: %s: %s\n", what, strerror(errno));
  exit(2);
}

// The feeder: copies the message into the pipe and exits.
static pid_t start_feeder(const char *message, int read_end, int write_end) {
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid > 0) return pid;
  close(read_end);  // else a signer that stops reading would never EPIPE us
  int in = open(message, O_RDONLY);
  if (in < 0) _exit(2);
  struct stat st;
  if (fstat(in, &st) != 0) _exit(2);
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(write_end, in, NULL, (size_t)left);
    if (n <= 0) _exit(n < 0 && errno == EPIPE ? 0 : 2);
    left -= n;
  }
  _exit(0);
}

static void run_once(int index, char **argv, const char *message, int use_pipe) {
  int in, feeder_pid = -1;
  if (use_pipe) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    feeder_pid = start_feeder(message, fds[0], fds[1]);
    close(fds[1]);
    in = fds[0];
  } else {
    in = open(message, O_RDONLY);
    if (in < 0) die(message);
  }
  int out = open("/dev/null", O_WRONLY);
  if (out < 0) die("/dev/null");

  double t0 = now();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    dup2(in, 0);
    dup2(out, 1);
    execv(argv[0], argv);
    _exit(127);
  }
  // Only the signer may hold the read end: a signer that stops reading
  // early (the floor program never reads) must end the feeder with EPIPE,
  // not leave it blocked on a full pipe that we still hold open.
  close(in);
  close(out);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) die("wait4");
  double elapsed = now() - t0;
  if (feeder_pid > 0) waitpid(feeder_pid, NULL, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "spawn_timer: %s failed (status %d) on %s\n", argv[0], status, message);
    exit(1);
  }
  printf("%d %.6f %ld\n", index, elapsed, ru.ru_maxrss);
}

int main(int argc, char **argv) {
  int arg = 1, use_pipe = 0;
  if (arg < argc && strcmp(argv[arg], "--pipe") == 0) use_pipe = 1, ++arg;
  if (argc - arg < 4) {
    fprintf(stderr, "usage: spawn_timer [--pipe] MESSAGE RUNS -- CMD ARGS... [-- CMD ARGS...]...\n");
    return 2;
  }
  const char *message = argv[arg];
  int runs = atoi(argv[arg + 1]);
  char **commands[kMaxCommands];
  int count = 0;
  for (int i = arg + 2; i < argc; ++i) {
    if (strcmp(argv[i], "--") != 0) continue;
    argv[i] = NULL;  // ends the previous command's argv
    if (i + 1 < argc && count < kMaxCommands) commands[count++] = &argv[i + 1];
  }
  if (count == 0 || runs <= 0) {
    fprintf(stderr, "spawn_timer: nothing to run\n");
    return 2;
  }
  for (int r = 0; r < runs; ++r)
    for (int c = 0; c < count; ++c) run_once(c, commands[c], message, use_pipe);
  return 0;
}
