// SPDX-License-Identifier: MIT
// dkim-filter-admin: manages the key database (dkim-filter-admin(8)).
// main() only splits global options from the command and maps errors to
// one stderr line and a sysexits status.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "build_info.h"
#include "db/admin/cli.h"
#include "db/cluster/cluster_config.h"
#include "db/cluster/pg.h"
#include "db/keystore.h"
#include "db/version.h"
#include "filter/base/error.h"
#include "filter/crypto/version.h"

namespace {

using dkim::admin::Context;
namespace po = boost::program_options;

constexpr const char* kOverview =
    "Usage: dkim-filter-admin [--config FILE] [--db PATH | --cluster URL] [--cluster-key FILE] COMMAND ...\n"
    "\n"
    "Manages the dkim-filter key database.\n"
    "\n"
    "Commands:\n"
    "  init                                  create or upgrade the database (mode 0640)\n"
    "  key generate DOMAIN SELECTOR          generate a key pair, print the DNS record\n"
    "  key import   DOMAIN SELECTOR FILE|-   store an existing PEM private key\n"
    "  key list     [DOMAIN]                 list keys (--json)\n"
    "  key dns      DOMAIN SELECTOR          print the DNS record to publish (--zone)\n"
    "  key check    DOMAIN SELECTOR          compare the published record with the key\n"
    "  key export   DOMAIN SELECTOR          print the private key PEM (backups)\n"
    "  key delete   DOMAIN SELECTOR          delete a revoked or never-activated key (--force: any)\n"
    "  key rotate   DOMAIN SLOT              make a pending successor under a new selector\n"
    "  key activate DOMAIN SELECTOR          switch the slot to it once DNS serves its record\n"
    "  key revoke   DOMAIN SELECTOR          publish an empty p= for a retired key\n"
    "  key publish  DOMAIN SELECTOR          send its record by RFC 2136 update (dns-update)\n"
    "  user add     USER                     add an outgoing user (login, domain, IP/CIDR)\n"
    "  user set     USER                     change a user's selectors\n"
    "  user list                             list users (--json)\n"
    "  user delete  USER                     delete a user\n"
    "  explain      --user USER --from ADDR  show what the filter would do\n"
    "  lifecycle run                         take every due rotation step (daily timer)\n"
    "  token add    NAME [--domain D]...     create a dkim-filter-web token (--read-only)\n"
    "  token list                            list tokens (--json)\n"
    "  token delete NAME                     delete a token\n"
    "  cluster init [--roles]                create the cluster schema and key file\n"
    "  cluster import                        load --db into the cluster (keys encrypted)\n"
    "  cluster prune                         delete old change-log entries (--older-than)\n"
    "  doctor                                check everything that can delay mail or leave it unsigned\n"
    "  backup       FILE                     write a consistent copy of the database while mail flows\n"
    "  restore      FILE                     check a backup and swap it in atomically\n"
    "  postfix sender-logins                 the users as a Postfix smtpd_sender_login_maps table\n"
    "\n"
    "Global options: --config FILE (default /etc/dkim-filter/dkim-filter.conf\n"
    "when present), --db PATH, --cluster URL, --cluster-key FILE.\n"
    "\n"
    "Every command takes --help; --version prints the version and the OpenSSL\n"
    "and SQLite versions. Exit status: 0 success, 64 usage, 65 refused\n"
    "(not found, exists, invalid key), 75 database busy or unreadable,\n"
    "78 database missing or unusable; key check and explain add their own.\n";

// The admin links OpenSSL and SQLite dynamically (the versions it runs
// with); dkim-filter has them built in (Built-Using: the packages they
// came from, which `doctor` compares with the installed ones).
void print_version() {
  std::cout << "dkim-filter-admin " << dkim::build::kVersion << "\n"
            << "OpenSSL: " << dkim::crypto::openssl_version() << "\n"
            << "SQLite: " << dkim::db::sqlite_version() << "\n";
  if (*dkim::build::kBuiltUsing) std::cout << "dkim-filter built with: " << dkim::build::kBuiltUsing << "\n";
}

// Global options come before the command; the rest belongs to the command.
size_t command_start(int argc, char** argv) {
  int i = 1;
  while (i < argc) {
    std::string a = argv[i];
    if (a == "--db" || a == "--cluster" || a == "--cluster-key" || a == "--config") {
      i += 2;
    } else if (a.rfind("--db=", 0) == 0 || a.rfind("--cluster=", 0) == 0 ||
               a.rfind("--cluster-key=", 0) == 0 || a.rfind("--config=", 0) == 0 || a == "--help" ||
               a == "-h" || a == "--version") {
      i += 1;
    } else {
      break;
    }
  }
  return static_cast<size_t>(std::min(i, argc));
}

// In cluster mode every key and user command reads and writes PostgreSQL
// (admin::open_store). What only makes sense for a local file is refused
// unless --db names one: its schema is made by cluster init, its backups
// by pg_dump, and the local file is a replica dkim-filter-sync rewrites.
void refuse_local_only_in_cluster_mode(const Context& ctx, const std::string& command,
                                       const std::vector<std::string>& rest, bool global_db) {
  if (ctx.cluster_url.empty() || global_db) return;
  for (const auto& a : rest)
    if (a == "--db" || a.rfind("--db=", 0) == 0 || a == "--help" || a == "-h") return;
  std::string why;
  if (command == "init")
    why = "the cluster's schema is created and upgraded by cluster init";
  else if (command == "backup" || command == "restore")
    why = "back the cluster up with pg_dump and restore it with pg_restore (private keys stay sealed)";
  if (why.empty()) return;
  throw dkim::Error(dkim::ErrorKind::usage,
                    "cluster mode (cluster = " + dkim::cluster::redact_url(ctx.cluster_url) +
                        "): " + command + " works on a local file only (--db PATH); " + why);
}

int run(int argc, char** argv) {
  size_t start = command_start(argc, argv);
  po::options_description global("Global options");
  global.add_options()("db", po::value<std::string>(), "key database path")(
      "cluster", po::value<std::string>(), "cluster mode: PostgreSQL connection URI")(
      "cluster-key", po::value<std::string>(), "cluster key file")(
      "config", po::value<std::string>(), "configuration file")("help,h", "show this help")(
      "version", "print the version and the OpenSSL and SQLite versions");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(static_cast<int>(start), argv).options(global).run(), vm);
  } catch (const po::error& e) {
    throw dkim::Error(dkim::ErrorKind::usage, e.what());
  }
  Context ctx;
  ctx.config = vm.count("config") ? dkim::admin::read_admin_config(vm["config"].as<std::string>(), true)
                                  : dkim::admin::read_admin_config(dkim::admin::kDefaultConfigFile, false);
  // --db, then the file's db, then $DKIM_FILTER_DB or the default.
  ctx.db_given = vm.count("db") > 0;
  ctx.db_path = vm.count("db")           ? vm["db"].as<std::string>()
                : !ctx.config.db.empty() ? ctx.config.db
                                         : dkim::db::default_db_path();
  ctx.cluster_url = vm.count("cluster") ? vm["cluster"].as<std::string>() : ctx.config.cluster;
  ctx.cluster_key_file = vm.count("cluster-key")           ? vm["cluster-key"].as<std::string>()
                         : !ctx.config.cluster_key.empty() ? ctx.config.cluster_key
                                                           : std::string(dkim::cluster::kDefaultClusterKey);
  std::vector<std::string> rest(argv + start, argv + argc);
  if (vm.count("help")) {
    std::cout << kOverview;
    return 0;
  }
  if (vm.count("version")) {
    print_version();
    return 0;
  }
  if (rest.empty()) throw dkim::Error(dkim::ErrorKind::usage, "no command given (see --help)");
  std::string command = rest.front();
  rest.erase(rest.begin());
  refuse_local_only_in_cluster_mode(ctx, command, rest, vm.count("db") > 0);
  if (command == "init") return dkim::admin::cmd_init(ctx, rest);
  if (command == "key") return dkim::admin::cmd_key(ctx, rest);
  if (command == "user") return dkim::admin::cmd_user(ctx, rest);
  if (command == "explain") return dkim::admin::cmd_explain(ctx, rest);
  if (command == "lifecycle") return dkim::admin::cmd_lifecycle(ctx, rest);
  if (command == "token") return dkim::admin::cmd_token(ctx, rest);
  if (command == "cluster") return dkim::admin::cmd_cluster(ctx, rest);
  if (command == "doctor") return dkim::admin::cmd_doctor(ctx, rest);
  if (command == "backup") return dkim::admin::cmd_backup(ctx, rest);
  if (command == "restore") return dkim::admin::cmd_restore(ctx, rest);
  if (command == "postfix") return dkim::admin::cmd_postfix(ctx, rest);
  throw dkim::Error(dkim::ErrorKind::usage, "unknown command '" + command + "' (see --help)");
}

// The process holds private keys in clear (generated, imported, exported):
// no core file may carry them to disk (setrlimit(2) RLIMIT_CORE), and a
// non-dumpable process (prctl(2) PR_SET_DUMPABLE) gets no core from a
// raised limit either, nor can another process of the same user read its
// memory through /proc/PID/mem or ptrace(2).
void protect_key_memory() {
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
  protect_key_memory();
  try {
    return run(argc, argv);
  } catch (const dkim::Error& e) {
    std::cerr << "dkim-filter-admin: " << e.what() << "\n";
    return dkim::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "dkim-filter-admin: internal error: " << e.what() << "\n";
    return dkim::exit_code::software;
  }
}
