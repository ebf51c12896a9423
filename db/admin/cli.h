// SPDX-License-Identifier: MIT
// Shared plumbing of dkim-filter-admin's commands: option parsing with
// --help on every command, warnings, JSON and time formatting.
#pragma once
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/admin/config.h"
#include "db/keystore.h"

namespace dkim::admin {

namespace po = boost::program_options;

/// Settings common to every command (passed down, never global).
struct Context {
  std::string db_path;
  bool db_given = false;         ///< --db was on the command line (it wins over the file's db)
  AdminConfig config;            ///< the configuration file's values (defaults when there is none)
  std::string cluster_url;       ///< --cluster or cluster = (empty: single node)
  std::string cluster_key_file;  ///< --cluster-key or cluster-key =
};

/// How a command is called, for --help and for argument checks.
struct CommandSpec {
  std::string name;                     ///< "key generate"
  std::string usage;                    ///< "DOMAIN SELECTOR [options]"
  std::string summary;                  ///< one sentence
  std::vector<std::string> positional;  ///< names of positional arguments
  size_t required = 0;                  ///< how many of them are mandatory
  std::string details;                  ///< extra help text (exit codes...)
};

/// Parses a command's arguments (also accepting --db and --help). Returns
/// false when --help was printed. Throws Error(usage) for bad arguments;
/// `positional` receives the positional values.
bool parse_command(const std::vector<std::string>& args, const CommandSpec& spec,
                   po::options_description& options, po::variables_map& vm,
                   std::vector<std::string>& positional, Context& ctx);

/// A key's DOMAIN and SELECTOR arguments, normalised.
struct KeyName {
  std::string domain, selector;
};

/// parse_command() for the commands whose arguments are DOMAIN SELECTOR
/// (key export, delete, activate, revoke, publish): the key they name, or
/// nullopt when --help was printed.
std::optional<KeyName> parse_key_command(const std::vector<std::string>& args, const CommandSpec& spec,
                                         po::options_description& options, po::variables_map& vm,
                                         Context& ctx);

/// "dkim-filter-admin: warning: ..." on stderr.
void warn(const std::string& message);

/// A JSON string literal (RFC 8259 §7).
std::string json_string(std::string_view s);

/// Unix time as ISO 8601 UTC ("2026-01-02T03:04:05Z").
std::string iso_time(long long unix_time);

/// Reads FILE, or stdin for "-" (at most 1 MiB: a key, not a mailbox).
std::string read_input(const std::string& file);

/// Refuses (Error(config)) a database this process cannot read (or, with
/// `write`, write, journal included), naming the user it runs as and what
/// it needs: root, or the database's group. A missing file passes (the
/// open says so). Without it, SQLite would only say "unable to open
/// database file" or "attempt to write a readonly database".
void check_access(const Context& ctx, bool write);

/// Cluster mode: a cluster URL is configured and --db does not name a
/// local file (dkim-filter-admin(8) "CLUSTER MODE").
bool cluster_mode(const Context& ctx);

/// The database for a command: in cluster mode the cluster's PostgreSQL
/// (the local file is a replica that dkim-filter-sync rewrites), else the
/// local file, with a warning when others can read it (the filter would
/// refuse it).
db::KeyStore open_store(const Context& ctx);

/// "relaxed" -> "relaxed/simple": dkim::parse_canonicalization() (RFC 6376
/// §3.5 c=), the filter's own reading of a stored c=; Error(usage) if invalid.
std::string normalize_canon(const std::string& canon);

int cmd_init(Context& ctx, const std::vector<std::string>& args);
int cmd_key(Context& ctx, const std::vector<std::string>& args);
int cmd_user(Context& ctx, const std::vector<std::string>& args);
int cmd_key_dns(Context& ctx, const std::vector<std::string>& args);
int cmd_key_check(Context& ctx, const std::vector<std::string>& args);
int cmd_explain(Context& ctx, const std::vector<std::string>& args);
/// key rotate | activate | revoke | publish; -1 when `sub` is none of them.
int cmd_key_lifecycle(Context& ctx, const std::string& sub, const std::vector<std::string>& args);
int cmd_key_delete(Context& ctx, const std::vector<std::string>& args);
int cmd_lifecycle(Context& ctx, const std::vector<std::string>& args);
/// key check --all: every key against its state; 0 no drift, 1 drift.
int key_check_all(Context& ctx, const std::vector<std::string>& nameservers, int timeout,
                  const std::string& metrics_file);
int cmd_token(Context& ctx, const std::vector<std::string>& args);
int cmd_cluster(Context& ctx, const std::vector<std::string>& args);
int cmd_doctor(Context& ctx, const std::vector<std::string>& args);
int cmd_backup(Context& ctx, const std::vector<std::string>& args);
int cmd_restore(Context& ctx, const std::vector<std::string>& args);
int cmd_postfix(Context& ctx, const std::vector<std::string>& args);

}  // namespace dkim::admin
