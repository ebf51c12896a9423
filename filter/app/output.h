// SPDX-License-Identifier: MIT
// Where the finished message goes: stdout (Exim) or a sendmail child
// (Postfix), spawned with an argv — never a shell.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

namespace dkim::app {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  /// The descriptor to write the message to.
  virtual int fd() = 0;
  /// Ends the message; returns the exit status to report (sysexits).
  virtual int close() = 0;
};

class StdoutSink : public MessageSink {
 public:
  int fd() override { return 1; }
  int close() override;
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

 private:
  std::string sendmail_;
  std::string sender_;
  std::vector<std::string> recipients_;
  pid_t child_ = -1;
  int pipe_ = -1;
};

}  // namespace dkim::app
