// SPDX-License-Identifier: MIT
// Where the finished message goes: stdout (Exim) or a sendmail child
// (Postfix), started with an argv — never a shell.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace dkim::app {

/// Exim's transport_filter reads the message as we write it and acts on our
/// exit status: a non-zero one makes it discard what it got.
class StdoutSink {
 public:
  int fd() { return 1; }
  /// Write errors were already reported by write_all; a pipe has nothing to
  /// flush.
  int close();
  /// Exim sees our non-zero exit and discards what we wrote.
  int abort();
};

/// `SENDMAIL -G -i -f SENDER -- RECIPIENT...` (sendmail(1): -G the message
/// is a relay submission, -i a lone "." does not end it).
///
/// Postfix's sendmail takes end of input as the end of the message and
/// queues what it got. So it is only ever started on a complete message:
/// its standard input is a file that already holds all of it, never a pipe
/// we are still writing, and a file cannot end early whatever happens to
/// us. If we die while it runs, the kernel kills it (PR_SET_PDEATHSIG), so
/// the MTA's retry is the only copy that can be queued.
class Sendmail {
 public:
  Sendmail(std::string sendmail, std::string sender, std::vector<std::string> recipients);

  /// Runs sendmail on `message`, a file holding the whole message from its
  /// current offset to its end, and waits. Returns sendmail's exit status;
  /// 75 if it could not be started or died from a signal, with the reason
  /// in `error`. Never throws.
  int send(int message, std::string& error) noexcept;

 private:
  std::string sendmail_;
  std::vector<std::string> args_;
};

}  // namespace dkim::app
