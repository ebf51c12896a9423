// SPDX-License-Identifier: MIT
// dkim-filter's command line and config file (dkim-filter(8), OPTIONS):
// one Options struct, passed down from a thin main().
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace dkim::app {

enum class OnError { tempfail, pass };
enum class LogTarget { syslog, stderr_ };

struct Options {
  // Where the message goes.
  bool to_stdout = false;  ///< Exim mode
  std::string sendmail = "/usr/sbin/sendmail";
  std::string smtp;    ///< --smtp HOST:PORT: re-inject over ESMTP instead of sendmail
  std::string sender;  ///< -f (may be empty: the null sender)
  bool have_sender = false;
  std::vector<std::string> recipients;  ///< after --
  // Who sent it.
  std::string sasl_user;     ///< -u
  std::string client_ip;     ///< -a
  std::string queue_id;      ///< --queue-id, for the log line
  std::string default_user;  ///< default-user
  // Database mode.
  std::string db_path;
  // Explicit key mode (--key).
  std::string key_file;
  std::string domain;    ///< -d
  std::string selector;  ///< -s
  std::string canon = "relaxed/relaxed";
  // Behaviour.
  OnError on_error = OnError::tempfail;
  LogTarget log = LogTarget::syslog;
  std::string spool_dir;
  long long expire_seconds = 0;        ///< x= = t= + this; 0: no x=
  std::optional<long long> timestamp;  ///< --timestamp: fixed t= (tests)
  std::optional<long long> size;       ///< --size: pipe(8)'s ${size}, the bytes to expect
  /// A replica (cluster mode) not confirmed current for longer is a
  /// configuration problem; a single-node database has no such bound.
  long long max_staleness = 3600;
  /// Why the config file could not be used ("" when it could): its values
  /// are then all ignored, and the message is deferred or, with a
  /// command-line --on-error pass, passed on unsigned.
  std::string config_problem;
};

/// RFC 6376 §3.5: t= and x= are 1*12DIGIT.
constexpr long long kMaxTimestamp = 999'999'999'999;

/// Parses argv and the config file (/etc/dkim-filter/dkim-filter.conf when
/// present, or --config FILE). Command-line values win. Throws Error(usage)
/// for a bad command line only: a config file that cannot be read, is not
/// safe (writable by group or others, owned by anyone but root or us), or
/// holds a bad option or value is a problem of the message's run, reported
/// in Options::config_problem, so that the command line's --on-error still
/// applies. Returns nullopt after printing --help or --version.
std::optional<Options> parse_options(int argc, char** argv);

/// Checks the combination of options before any input is read: --key needs
/// -d and -s, re-injection needs -f and recipients, no argument holds a
/// line break (it would forge a header or a log line). Throws Error(usage).
void validate_options(const Options& options);

}  // namespace dkim::app
