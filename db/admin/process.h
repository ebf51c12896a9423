// SPDX-License-Identifier: MIT
// Child processes of dkim-filter-admin, without a shell (no system()):
// running another program and reading its output (postconf, dpkg-query,
// exim), and running part of this program as another user - the filter's
// own - so that a check sees the files the way the filter will.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dkim::admin {

/// What a program printed and how it ended.
struct ProgramResult {
  bool started = false;  ///< false: not found or not executable
  int status = -1;       ///< exit status, or 128 + signal
  std::string out;       ///< stdout (stderr is discarded)
};

/// Runs argv[0] (looked up in PATH, execvp(3)) with stdin from /dev/null
/// and collects its stdout (at most 4 MiB). Never throws for the
/// program's own failure: see `started` and `status`.
ProgramResult run_program(const std::vector<std::string>& argv);

/// The account a check runs as.
struct Account {
  std::string name;
  unsigned uid = 0, gid = 0;
};

/// The account of `name`, nullopt when there is none (getpwnam(3)).
std::optional<Account> find_account(const std::string& name);

/// The name of group `gid`, or the number when it has none.
std::string group_name(unsigned gid);

/// The account this process runs as (its real uid), for messages: "bob (uid 1000)".
std::string current_user_text();

/// Runs `body` in a child process as `account` - setgroups to its groups
/// (initgroups(3)), setgid(2), setuid(2), all verified - and returns the
/// child's exit status (body's return value, 0..125). When this process
/// already runs as that uid the child keeps its identity. Throws
/// Error(usage) when it is another uid and this process is not root (only
/// root can become another user), Error(internal) when fork or the
/// identity change fails. stdout/stderr are flushed before the fork, and
/// the child's before it exits.
/// `groups`: primary_only becomes the account as Postfix's daemons do
/// (set_ugid(3) in Postfix's src/util: setgroups to the primary group only).
enum class Groups { all, primary_only };
int run_as(const Account& account, const std::function<int()>& body, Groups groups = Groups::all);

}  // namespace dkim::admin
