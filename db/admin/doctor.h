// SPDX-License-Identifier: MIT
// `dkim-filter-admin doctor`: the checks, grouped by what they look at.
// Each appends the problems it finds (what, and the fix) to a Findings.
#pragma once
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
};

/// Postfix (postconf -M, -P, -h) or Exim (exim4 -bP macro) wiring.
void check_mta(const MtaExpectations& expect, Findings& out);

/// Prints "problem: WHAT; fix: FIX" lines on stdout.
void print_findings(const Findings& findings);

}  // namespace dkim::admin
