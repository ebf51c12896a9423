// SPDX-License-Identifier: MIT
// `dkim-filter-admin doctor`: the checks, grouped by what they look at.
// Each appends the problems it finds (what, and the fix) to a Findings.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "db/key_audit.h"

namespace dkim::admin {

struct Findings {
  std::vector<db::Problem> problems;
  void add(std::string what, std::string fix = {}) { problems.push_back({std::move(what), std::move(fix)}); }
};

/// What the MTA checks compare the wiring with.
struct MtaExpectations {
  std::string user;            ///< the account the filter should run as (doctor --user)
  std::string db_path;         ///< the database doctor checked
  std::string postfix_config;  ///< postconf -c DIR; empty: Postfix's default
  std::string mta;             ///< auto, postfix, exim or none
  /// dkim-filter-milter's socket in libmilter's form: the configuration
  /// file's socket, else kDefaultMilterSocket.
  std::string milter_socket;
};

/// Where the packaged unit has dkim-filter-milter listen (dkim-filter-milter(8)).
constexpr const char* kDefaultMilterSocket = "unix:/run/dkim-filter/milter.sock";

/// What doctor reads of Postfix: main.cf values (postconf -h NAME, empty
/// when unset) and master.cf -o overrides (postconf -P lines).
struct PostfixView {
  std::function<std::string(const std::string&)> value;
  std::vector<std::string> overrides;
  std::vector<std::string> services;  ///< postconf -M lines
};

/// dkim-filter-milter's wiring: a milter list naming its socket, the
/// socket answering Postfix's mail_owner, milter_default_action,
/// milter_protocol, milter_mail_macros, and no chrooted service that uses
/// it (cleanup for non_smtpd_milters) unable to see a UNIX socket. Returns
/// false (and checks nothing) when no milter list names the socket.
bool check_postfix_milter(const PostfixView& pf, const MtaExpectations& expect, Findings& out);

/// Postfix (postconf -M, -P, -h) or Exim (exim4 -bP macro) wiring.
void check_mta(const MtaExpectations& expect, Findings& out);

/// Prints "problem: WHAT; fix: FIX" lines on stdout.
void print_findings(const Findings& findings);

}  // namespace dkim::admin
