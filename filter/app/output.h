// SPDX-License-Identifier: MIT
// Where the finished message goes: stdout (Exim) or a sendmail child
// (Postfix), spawned with an argv — never a shell.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace dkim::app {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  /// The descriptor to write the message to.
  virtual int fd() = 0;
  /// Ends the message; returns the exit status to report (sysexits).
  virtual int close() = 0;
  /// Gives the message up after a failure part-way: the receiver must not
  /// take what it got so far as the whole message. Returns the status to
  /// report (never 0).
  virtual int abort() = 0;
};

class StdoutSink : public MessageSink {
 public:
  int fd() override { return 1; }
  int close() override;
  /// Exim sees our non-zero exit and discards what we wrote.
  int abort() override;
};

/// `SENDMAIL -G -i -f SENDER -- RECIPIENT...` (DESIGN.md). The child starts
/// on the first fd() call, so nothing is injected until we are ready to send.
class SendmailSink : public MessageSink {
 public:
  SendmailSink(std::string sendmail, std::string sender, std::vector<std::string> recipients);
  ~SendmailSink() override;
  int fd() override;
  /// Closes the pipe and waits: sendmail's own exit status, 75 if it died
  /// from a signal or could not be started.
  int close() override;
  /// Kills sendmail before it sees end of input (it would queue a
  /// truncated message) — unless it has already exited on its own, e.g.
  /// after closing its input early: then its status is reported.
  int abort() override;

 private:
  std::string sendmail_;
  std::string sender_;
  std::vector<std::string> recipients_;
  pid_t child_ = -1;
  int pipe_ = -1;
};

}  // namespace dkim::app
