// SPDX-License-Identifier: MIT
// dkim-filter-milter's command line and configuration file, as documented
// in dkim-filter-milter(8). The file is the one dkim-filter reads: every
// option it may hold is accepted here, and the milter uses its own.
#pragma once
#include <optional>
#include <string>

#include "filter/app/options.h"

namespace dkim::milter {

struct Options {
  std::string db_path;  ///< empty: $DKIM_FILTER_DB or the default path
  std::string socket;   ///< libmilter connection spec: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST
  bool foreground = false;
  app::OnError on_error = app::OnError::tempfail;
  app::LogTarget log = app::LogTarget::syslog;
  std::string default_user;
  long long expire_seconds = 0;    ///< x= = t= + this; 0: no x=
  long long max_staleness = 3600;  ///< seconds; see db::replica_staleness_problem
};

/// Parses argv and the configuration file (/etc/dkim-filter/dkim-filter.conf
/// when present, or --config FILE); command-line values win. Throws
/// Error(usage) for a bad command line or value, Error(config) for a bad
/// file. Returns nullopt after printing --help or --version.
std::optional<Options> parse_options(int argc, char** argv);

/// True for the socket forms libmilter's smfi_setconn(3) takes that we
/// support: unix:/abs/path (also local:), inet:PORT[@HOST], inet6:PORT[@HOST].
bool valid_socket_spec(const std::string& spec);

}  // namespace dkim::milter
