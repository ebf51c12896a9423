// SPDX-License-Identifier: MIT
// doctor: everything that can make mail wait or go out unsigned, checked
// the way the filter meets it. The database checks run in a child process
// as the filter's user (run_as: initgroups, setgid, setuid), so a file the
// filter cannot read is found even when root runs doctor. One line per
// problem, with its fix; exit status 1 when there is any.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <set>

#include "build_info.h"
#include "db/admin/cli.h"
#include "db/admin/doctor.h"
#include "db/admin/process.h"
#include "db/cluster/pg.h"
#include "db/cluster/replica.h"
#include "db/dns/client.h"
#include "db/dns_record.h"
#include "db/keystore.h"
#include "db/names.h"
#include "db/version.h"
#include "filter/base/error.h"
#include "filter/crypto/version.h"

namespace dkim::admin {
namespace {

constexpr int kMaxCounted = 100;  // exit statuses of the child stay below 125

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The files themselves, as the filter's user sees them: there, reachable,
// readable, private. False when the database cannot be opened at all.
bool check_files(const std::string& path, const Account& as, Findings& out) {
  size_t before = out.problems.size();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      out.add("database " + path + " does not exist", "dkim-filter-admin --db " + path + " init");
    } else {
      std::string dir = parent_of(path);
      out.add(as.name + " cannot reach " + path + ": " + std::strerror(errno),
              "let the filter's group into " + dir + ": chgrp " + group_name(as.gid) + " " + dir +
                  " && chmod 2750 " + dir);
    }
    return false;
  }
  if (S_ISLNK(st.st_mode)) {
    out.add(path + " is a symbolic link, the filter refuses it", "name the database file itself (--db)");
    return false;
  }
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::string f = path + suffix;
    struct stat fst {};
    if (::lstat(f.c_str(), &fst) != 0) continue;
    if (fst.st_mode & 007)
      out.add(f + " is accessible by others (mode " + mode_text(fst.st_mode) +
                  "), the filter refuses the database",
              "chmod o-rwx " + f);
  }
  if (::access(path.c_str(), R_OK) != 0) {
    out.add(as.name + " cannot read " + path + " (group " + group_name(st.st_gid) + ", mode " +
                mode_text(st.st_mode) + "): the filter defers all mail",
            "chgrp " + group_name(as.gid) + " " + path + " && chmod 0640 " + path);
    return false;
  }
  return out.problems.size() == before;  // the filter's open would only repeat them
}

// The keystore's messages end in their advice ("...; run X", "... (run
// X)"): split it off as the fix.
db::Problem split_advice(const std::string& message) {
  auto semi = message.rfind("; ");
  if (semi != std::string::npos) return {message.substr(0, semi), message.substr(semi + 2)};
  auto paren = message.rfind(" (");
  if (paren != std::string::npos && message.back() == ')')
    return {message.substr(0, paren), message.substr(paren + 2, message.size() - paren - 3)};
  return {message, "see dkim-filter(8), EXIT STATUS and FILES"};
}

// Keys that some signing user would sign with: its selector, in its own
// domain or below (any domain for --any-domain users).
std::vector<db::KeyRecord> keys_in_use(db::KeyStore& store) {
  std::vector<db::KeyRecord> used;
  auto users = store.list_users();
  for (auto& k : store.list_keys()) {
    for (const auto& u : users) {
      if (u.reauthenticating) continue;
      bool sel = false;
      for (const auto& s : u.selectors) sel = sel || s == k.selector;
      bool domain = u.any_domain ||
                    (!u.domain.empty() &&
                     (k.domain == u.domain || (k.domain.size() > u.domain.size() &&
                                               k.domain.compare(k.domain.size() - u.domain.size() - 1,
                                                                std::string::npos, "." + u.domain) == 0)));
      if (sel && domain) {
        used.push_back(k);
        break;
      }
    }
  }
  return used;
}

void check_dns(db::KeyStore& store, const std::string& nameserver, int timeout, Findings& out) {
  for (const auto& k : keys_in_use(store)) {
    std::string name = db::dns_record_name(k.domain, k.selector);
    std::string dns_cmd = "publish dkim-filter-admin key dns " + k.domain + " " + k.selector;
    if (k.public_key.empty()) continue;  // audit_keys reports it
    auto expected = crypto::PublicKey::from_dns_value(k.type, k.public_key);
    std::optional<db::dns::Server> server;
    if (!nameserver.empty()) server = db::dns::parse_server(nameserver);
    auto answer = db::dns::query_txt(name, server, db::dns::QueryOptions{timeout});
    db::RecordCheck r = db::check_answer(answer, expected);
    if (r.status == db::RecordStatus::match) continue;
    out.add(name + ": " + std::string(db::record_status_words(r.status)) + ": " + db::escape_text(r.detail) +
                " (receivers cannot verify its signatures)",
            r.status == db::RecordStatus::dns_error ? "check the DNS servers, then key check" : dns_cmd);
  }
}

struct DbCheck {
  std::string path;
  bool dns = false;
  std::string nameserver;
  int timeout = 5;
};

// The child's part, as the filter's user: files, the filter's own open
// (schema, permissions, side files), keys, users, DNS.
int check_database_as(const DbCheck& c, const Account& as) {
  Findings out;
  if (check_files(c.path, as, out)) {
    try {
      auto store = db::KeyStore::open_reader(c.path);
      for (auto& p : db::audit_keys(store)) out.problems.push_back(p);
      for (auto& p : db::audit_users(store)) out.problems.push_back(p);
      if (c.dns) check_dns(store, c.nameserver, c.timeout, out);
    } catch (const Error& e) {
      auto p = split_advice(e.what());
      out.add("the filter, as " + as.name + ", cannot use the database: " + p.what, p.fix);
    }
  }
  print_findings(out);
  return static_cast<int>(std::min<size_t>(out.problems.size(), kMaxCounted));
}

void check_syslog(Findings& out) {
  struct stat st {};
  if (::stat("/dev/log", &st) != 0 || !S_ISSOCK(st.st_mode))
    out.add("no syslog socket /dev/log: the filter's log lines are lost",
            "start systemd-journald (systemctl start systemd-journald.socket) or install rsyslog");
}

// dpkg-query's version of an installed package, empty when not installed.
std::string installed_version(const std::string& package) {
  auto r = run_program({"dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${source:Version}", package});
  if (!r.started || r.status != 0 || r.out.rfind("ii", 0) != 0) return {};
  auto tab = r.out.find('\t');
  return tab == std::string::npos ? std::string() : r.out.substr(tab + 1);
}

// The filter links OpenSSL and SQLite statically: a security update of
// libssl3 / libsqlite3-0 reaches it only through a rebuild.
void check_versions(Findings& out) {
  struct Lib {
    const char* what;
    const char* package;
    const char* built;
  };
  for (const Lib& lib : {Lib{"OpenSSL", "libssl3", build::kOpensslSourceVersion},
                         Lib{"SQLite", "libsqlite3-0", build::kSqliteSourceVersion}}) {
    if (!*lib.built) continue;  // linked shared: updates apply by themselves
    std::string installed = installed_version(lib.package);
    if (installed.empty() || installed == lib.built) continue;
    auto newer = run_program({"dpkg", "--compare-versions", installed, "gt", lib.built});
    if (newer.started && newer.status == 0)
      out.add(std::string("dkim-filter has ") + lib.what + " " + lib.built + " built in, but " + lib.package +
                  " " + installed + " is installed: a security update is waiting for a rebuild",
              "rebuild and reinstall dkim-filter (make deb && apt-get install ./build/dkim-filter_*.deb)");
  }
}

// A cluster node's replica (dkim-filter-sync(8)): how long since it was
// confirmed current against max-staleness, past which the filter defers
// signing, and, when PostgreSQL answers, how many changes it is behind.
void check_replica(const Context& ctx, Findings& out) {
  std::optional<cluster::ReplicaState> state;
  try {
    state = cluster::Replica::peek(ctx.db_path);
  } catch (const Error&) {
    return;  // the database check has named why it cannot be read
  }
  if (!state) return;  // a single-node database
  long long now = static_cast<long long>(std::time(nullptr));
  long long age = now - state->confirmed;
  long long limit = ctx.config.max_staleness;
  std::cout << "replica: confirmed current " << age << " s ago (max-staleness " << limit << " s)\n";
  // The signers' own decision (db::replica_staleness_problem), in doctor's words.
  if (db::replica_staleness_problem(ctx.db_path, state->confirmed, now, limit))
    out.add("the replica " + ctx.db_path + " was last confirmed current " + std::to_string(age) +
                " s ago, beyond max-staleness (" + std::to_string(limit) + " s): the filter defers signing",
            "check dkim-filter-sync (systemctl status dkim-filter-sync) and its connection to PostgreSQL");
  if (ctx.cluster_url.empty()) {
    std::cout << "replica: at sequence " << state->last_seq << "; lag unknown (no cluster = configured)\n";
    return;
  }
  // Bounded: a node cut off from PostgreSQL must not hang its doctor
  // (libpq's connect_timeout, PostgreSQL docs 34.1.2).
  ::setenv("PGCONNECT_TIMEOUT", "5", 0);
  try {
    auto c = cluster::Connection::open(ctx.cluster_url);
    long long newest = cluster::cluster_sequence(c);
    std::cout << "replica: at sequence " << state->last_seq << ", the cluster at " << newest << " (lag "
              << std::max(0LL, newest - state->last_seq) << " changes)\n";
  } catch (const Error& e) {
    std::cout << "replica: at sequence " << state->last_seq << "; lag unknown (" << e.what() << ")\n";
  }
}

}  // namespace

void print_findings(const Findings& findings) {
  for (const auto& p : findings.problems)
    std::cout << "problem: " << p.what << (p.fix.empty() ? "" : "; fix: " + p.fix) << "\n";
  std::cout.flush();
}

int cmd_doctor(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "doctor",
      "[--user USER] [--dns] [options]",
      "Checks, as the filter's user, everything that can make mail wait or go out unsigned: the database "
      "and its side files (there, readable by the filter, not by others), the schema, every key (loads, "
      "matches its public key), every user's selectors (a key for its domain), with --dns the published "
      "records of the keys in use, the Postfix or Exim wiring, the syslog socket, and the OpenSSL and "
      "SQLite built into dkim-filter against the installed packages; on a cluster node, the replica's "
      "staleness (max-staleness) and lag. Prints one line per problem with its fix. Run it as root.",
      {},
      0,
      "Exit status: 0 no problem found, 1 problems (one \"problem: ...; fix: ...\" line each), 64 bad usage "
      "(or not root when USER is another account).\n"};
  po::options_description opts("Options");
  opts.add_options()("user", po::value<std::string>()->default_value("dkim-filter"),
                     "the account the filter runs as (Postfix pipe(8) user=; Exim: Debian-exim)")(
      "dns", "also look up the DNS record of every key in use and compare it with the stored key")(
      "nameserver", po::value<std::string>(),
      "with --dns: ask this server (IP[:PORT]) instead of the resolver")(
      "timeout", po::value<int>()->default_value(5), "with --dns: seconds to wait for each answer")(
      "mta", po::value<std::string>()->default_value("auto"),
      "which MTA wiring to check: auto (whichever is installed), postfix, exim or none")(
      "postfix-config", po::value<std::string>(), "Postfix configuration directory (postconf -c DIR)");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::string user = vm["user"].as<std::string>();
  std::string mta = vm["mta"].as<std::string>();
  if (mta != "auto" && mta != "postfix" && mta != "exim" && mta != "none")
    throw Error(ErrorKind::usage, "doctor: --mta must be auto, postfix, exim or none");
  DbCheck c{ctx.db_path, vm.count("dns") > 0,
            vm.count("nameserver") ? vm["nameserver"].as<std::string>() : "", vm["timeout"].as<int>()};
  int problems = 0;
  std::string checked = ctx.db_path + " as " + user;
  auto account = find_account(user);
  if (!account) {
    Findings f;
    f.add("there is no account " + user + " to run the filter as",
          "install the package (it creates dkim-filter), or name the filter's user with --user");
    print_findings(f);
    ++problems;
  } else if (struct stat st{}; cluster_mode(ctx) && ::lstat(ctx.db_path.c_str(), &st) != 0) {
    // An admin host of a cluster keeps no local file: its keys and users
    // are the cluster's (the nodes' doctor checks their replicas).
    Findings f;
    auto store = open_store(ctx);
    for (auto& p : db::audit_keys(store)) f.problems.push_back(p);
    for (auto& p : db::audit_users(store)) f.problems.push_back(p);
    if (c.dns) check_dns(store, c.nameserver, c.timeout, f);
    print_findings(f);
    problems += static_cast<int>(f.problems.size());
    checked = "the cluster " + cluster::redact_url(ctx.cluster_url);
  } else {
    int rc = run_as(*account, [&] { return check_database_as(c, *account); });
    if (rc > kMaxCounted)
      throw Error(ErrorKind::internal, "doctor: the database check as " + user + " failed");
    problems += rc;
  }
  Findings system;
  check_replica(ctx, system);
  check_syslog(system);
  check_versions(system);
  MtaExpectations expect{user, ctx.db_path,
                         vm.count("postfix-config") ? vm["postfix-config"].as<std::string>() : "", mta,
                         ctx.config.milter_socket.empty() ? kDefaultMilterSocket : ctx.config.milter_socket};
  check_mta(expect, system);
  print_findings(system);
  problems += static_cast<int>(system.problems.size());
  std::cout << "doctor: " << (problems ? std::to_string(problems) + " problem(s)" : "no problems")
            << " (checked " << checked << "; dkim-filter " << build::kVersion << ", "
            << crypto::openssl_version() << ", SQLite " << db::sqlite_version() << ")\n";
  return problems ? 1 : 0;
}

}  // namespace dkim::admin
