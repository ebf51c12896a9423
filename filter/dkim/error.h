// SPDX-License-Identifier: MIT
#pragma once
#include <stdexcept>
#include <string>

namespace dkim {

/// What a failure means to the MTA that started us. One error type with a
/// kind, mapped to sysexits in main() (STYLE.md: "errors with a kind").
enum class ErrorKind {
  usage,      ///< bad command line: EX_USAGE (64)
  data,       ///< the input cannot be signed; the message is passed on unsigned
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

/// sysexits(3) values the MTAs act on.
namespace exit_code {
constexpr int ok = 0;
constexpr int usage = 64;
constexpr int dataerr = 65;
constexpr int noinput = 66;
constexpr int unavailable = 69;
constexpr int software = 70;
constexpr int oserr = 71;
constexpr int cantcreat = 73;
constexpr int ioerr = 74;
constexpr int tempfail = 75;
constexpr int noperm = 77;
constexpr int config = 78;
}  // namespace exit_code

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
