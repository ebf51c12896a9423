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
#include "db/keystore.h"
#include "db/version.h"
#include "filter/base/error.h"
#include "filter/crypto/version.h"

namespace {

using dkim::admin::Context;
namespace po = boost::program_options;

constexpr const char* kOverview =
    "Usage: dkim-filter-admin [--db PATH] COMMAND ...\n"
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
    "  key delete   DOMAIN SELECTOR          delete a key\n"
    "  user add     USER                     add an outgoing user (login, domain, IP/CIDR)\n"
    "  user set     USER                     change a user's selectors\n"
    "  user list                             list users (--json)\n"
    "  user delete  USER                     delete a user\n"
    "  explain      --user USER --from ADDR  show what the filter would do\n"
    "  doctor                                check everything that can delay mail or leave it unsigned\n"
    "  backup       FILE                     write a consistent copy of the database while mail flows\n"
    "  restore      FILE                     check a backup and swap it in atomically\n"
    "  postfix sender-logins                 the users as a Postfix smtpd_sender_login_maps table\n"
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
    if (a == "--db") {
      i += 2;
    } else if (a.rfind("--db=", 0) == 0 || a == "--help" || a == "-h" || a == "--version") {
      i += 1;
    } else {
      break;
    }
  }
  return static_cast<size_t>(std::min(i, argc));
}

int run(int argc, char** argv) {
  size_t start = command_start(argc, argv);
  po::options_description global("Global options");
  global.add_options()("db", po::value<std::string>(), "key database path")("help,h", "show this help")(
      "version", "print the version and the OpenSSL and SQLite versions");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(static_cast<int>(start), argv).options(global).run(), vm);
  } catch (const po::error& e) {
    throw dkim::Error(dkim::ErrorKind::usage, e.what());
  }
  Context ctx;
  ctx.db_path = vm.count("db") ? vm["db"].as<std::string>() : dkim::db::default_db_path();
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
  if (command == "init") return dkim::admin::cmd_init(ctx, rest);
  if (command == "key") return dkim::admin::cmd_key(ctx, rest);
  if (command == "user") return dkim::admin::cmd_user(ctx, rest);
  if (command == "explain") return dkim::admin::cmd_explain(ctx, rest);
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
