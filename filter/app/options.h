// SPDX-License-Identifier: MIT
// dkim-filter's command line and config file (DESIGN.md "dkim-filter"):
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
};

/// Parses argv and the config file (/etc/dkim-filter/dkim-filter.conf when
/// present, or --config FILE). Command-line values win. Throws
/// Error(usage) for a bad command line, Error(config) for a bad config file.
/// Returns nullopt after printing --help or --version.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace dkim::app
