// SPDX-License-Identifier: MIT
// The error contract of every part (dkim-filter, dkim-filter-admin and the
// layers below them): one error type carrying a kind, and the table of the
// sysexits(3) codes the product exits with, in the manner of Postfix's
// global/sys_exits.c (code, meaning, temporary or permanent). Postfix's
// pipe(8) and Exim's transport_filter act on these codes: a temporary one
// keeps the message in the queue and retries it, a permanent one returns
// it to its sender. dkim-filter(8) and dkim-filter-admin(8), EXIT STATUS,
// document them. This folder includes nothing from the others; every layer
// may include it.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace dkim {

/// What a failure means to the MTA that started us.
enum class ErrorKind {
  usage,      ///< bad command line: EX_USAGE (64)
  data,       ///< an administrator's input refused (a duplicate key, an unknown user...): EX_DATAERR (65)
  config,     ///< configuration unusable: EX_CONFIG (78) for a command, EX_TEMPFAIL (75) for a message
  temporary,  ///< transient (database locked, disk full...): EX_TEMPFAIL (75)
  internal,   ///< a bug or a self-check failure: treated as EX_TEMPFAIL
};

/// Messages are lower-case, prefixed with the part ("keystore: ..."), and
/// never contain key material.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

/// The sysexits(3) values the product exits with; see kExitCodes.
namespace exit_code {
constexpr int ok = 0;
constexpr int usage = 64;
constexpr int dataerr = 65;
constexpr int nouser = 67;
constexpr int nohost = 68;
constexpr int unavailable = 69;
constexpr int software = 70;
constexpr int oserr = 71;
constexpr int tempfail = 75;
constexpr int protocol = 76;
constexpr int noperm = 77;
constexpr int config = 78;
}  // namespace exit_code

/// One row of the exit code table.
struct ExitCodeInfo {
  int code;
  std::string_view name;     ///< the sysexits.h name
  std::string_view meaning;  ///< when the product exits with it
  bool temporary;            ///< the MTA keeps the message and retries
};

/// Every exit code the product uses, in code order.
inline constexpr ExitCodeInfo kExitCodes[] = {
    {exit_code::ok, "EX_OK", "delivered, written, or the command succeeded", false},
    {exit_code::usage, "EX_USAGE", "bad command line", false},
    {exit_code::dataerr, "EX_DATAERR",
     "the administrator's input was refused; nothing changed (--smtp: a 5xx reply, address or content)",
     false},
    {exit_code::nouser, "EX_NOUSER",
     "--smtp: the re-injection server refused a recipient (X.1.1 user unknown)", false},
    {exit_code::nohost, "EX_NOHOST", "--smtp: the re-injection server refused a recipient's host (X.1.2)",
     false},
    {exit_code::unavailable, "EX_UNAVAILABLE", "--smtp: any other 5xx reply of the re-injection server",
     false},
    {exit_code::software, "EX_SOFTWARE", "internal error of an administrator's command", false},
    {exit_code::oserr, "EX_OSERR", "the system refused a resource (a process, a socket)", true},
    {exit_code::tempfail, "EX_TEMPFAIL",
     "a failure while handling a message (configuration included), or a busy database: try again", true},
    {exit_code::protocol, "EX_PROTOCOL", "--smtp: the re-injection server refused a command (5xx X.5.x)",
     false},
    {exit_code::noperm, "EX_NOPERM", "--smtp: the re-injection server refused by policy (5xx X.7.x)", false},
    {exit_code::config, "EX_CONFIG", "configuration unusable, for a command an administrator runs", false},
};

/// The row for `code`; nullptr for a code the product never uses (such as
/// sendmail's own status passed through).
const ExitCodeInfo* exit_code_info(int code) noexcept;

/// The sysexits code for an error of this kind, for a command an
/// administrator runs (dkim-filter-admin): a configuration problem is 78.
int exit_code_for(ErrorKind kind) noexcept;

/// The same while handling a message (dkim-filter): a configuration problem
/// is 75, never 78, because Postfix's pipe(8) and Exim return the message
/// to its sender on 78 (sysexits(3) EX_CONFIG is permanent to them), and a
/// database left mode 0644 or a typo in the config file must not bounce
/// every customer's mail.
int message_exit_code_for(ErrorKind kind) noexcept;

}  // namespace dkim
