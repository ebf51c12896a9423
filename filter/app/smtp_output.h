// SPDX-License-Identifier: MIT
// Re-injection over ESMTP (dkim-filter --smtp HOST:PORT), the alternative
// to sendmail for Postfix: the signed message goes to a dedicated smtpd on
// loopback that does not filter again (Postfix FILTER_README, "advanced
// content filter"), which also lets mail submitted locally (pickup) be
// filtered without a loop.
//
// One transaction per message (RFC 5321 §3.3): EHLO (HELO if refused),
// MAIL FROM from -f (the null sender as <>), RCPT TO for each recipient,
// DATA; with PIPELINING offered (RFC 2920) MAIL, the RCPTs and DATA go in
// one write. The message is read from a file that already holds all of
// it and sent dot-stuffed with CRLF line ends (mail::SmtpDataEncoder); the
// final "." is sent only after the whole message went, so if we die half
// way the connection drops without it and the server discards the
// transaction (§4.1.1.4): nothing is queued but the MTA's retry.
//
// Exit statuses (what pipe(8) acts on): 0 the server accepted the message;
// 75 EX_TEMPFAIL for a 4xx reply, a refused or timed-out connection, a
// dropped connection, a recipient refused while others were accepted (so
// none is lost); for a 5xx reply the sysexits(3) code of its RFC 3463
// enhanced status code or, without one, of its reply code: see
// smtp_exit_code().
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dkim::app {

/// What is wrong with a --smtp value ("" when it is IPv4:PORT or
/// [IPv6]:PORT, port 1..65535).
std::string smtp_target_problem(const std::string& target);

/// The command a reply answers, for smtp_exit_code().
enum class SmtpStage { greeting, hello, mail, rcpt, data, end_of_data };

/// The sysexits(3) code for a permanent (5xx) reply, as Postfix's
/// global/sys_exits.c pairs them with enhanced status codes (RFC 3463):
///   X.1.1, X.1.3, X.1.6 bad destination mailbox       67 EX_NOUSER
///   X.1.2 bad destination system                       68 EX_NOHOST
///   X.1.x other address problems                       65 EX_DATAERR
///   X.5.x protocol                                     76 EX_PROTOCOL
///   X.6.x message content                              65 EX_DATAERR
///   X.7.x security or policy                           77 EX_NOPERM
///   X.2.x, X.3.x, X.4.x, others                        69 EX_UNAVAILABLE
/// Without an enhanced code: 500-504 and 555 (syntax, RFC 5321 §4.2.3) 76,
/// 550/551/553 to RCPT TO 67, anything else 69. 4xx and unparsable
/// replies give 75.
int smtp_exit_code(int reply_code, std::string_view reply_text, SmtpStage stage);

class SmtpSink {
 public:
  SmtpSink(std::string target, std::string sender, std::vector<std::string> recipients);

  /// Sends `message` (a file holding the whole message from its current
  /// offset to its end). Returns the exit status described above, with the
  /// reason (the server's reply) in `error` when it is not 0. Never throws.
  int send(int message, std::string& error) noexcept;

 private:
  std::string target_, sender_;
  std::vector<std::string> recipients_;
};

}  // namespace dkim::app
