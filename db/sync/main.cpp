// SPDX-License-Identifier: MIT
// dkim-filter-sync: keeps a node's SQLite replica equal to the cluster's
// PostgreSQL database (dkim-filter-sync(8)). main() reads the command line
// and the shared configuration file, then runs the loop in
// db/cluster/sync_loop until SIGTERM.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "db/cluster/cluster_config.h"
#include "db/cluster/sync_loop.h"
#include "filter/base/error.h"

namespace {

namespace po = boost::program_options;
std::atomic<bool> g_stop{false};

constexpr const char* kUsage =
    "usage: dkim-filter-sync [--config FILE] [--cluster URL] [--cluster-key FILE] --db PATH [--foreground]\n";

po::options_description options() {
  po::options_description d("Options");
  d.add_options()("help,h", "print this help")("version", "print the version")(
      "config", po::value<std::string>(),
      "config file (default /etc/dkim-filter/dkim-filter.conf if present)")(
      "cluster", po::value<std::string>(), "PostgreSQL connection URI (libpq; multi-host lists allowed)")(
      "cluster-key", po::value<std::string>(), "cluster key file (default /etc/dkim-filter/cluster.key)")(
      "db", po::value<std::string>(), "the replica: the SQLite file the filters read")(
      "foreground", "stay in the foreground and log to stderr (systemd, tests)")(
      "poll-interval", po::value<int>(), "milliseconds between polls when no NOTIFY arrives (default 1000)")(
      "once", "one pass (snapshot or pending changes), then exit");
  return d;
}

std::string pick(const po::variables_map& vm, const char* name, const std::string& file_value,
                 const std::string& fallback) {
  if (vm.count(name)) return vm[name].as<std::string>();
  return file_value.empty() ? fallback : file_value;
}

int run(int argc, char** argv) {
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options()), vm);
  } catch (const po::error& e) {
    throw dkim::Error(dkim::ErrorKind::usage, std::string("options: ") + e.what());
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << options() << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "dkim-filter-sync 0.1.0\n";
    return 0;
  }
  auto file = vm.count("config")
                  ? dkim::cluster::read_cluster_config(vm["config"].as<std::string>(), true)
                  : dkim::cluster::read_cluster_config(dkim::cluster::kDefaultConfigFile, false);
  dkim::cluster::SyncOptions o;
  o.url = pick(vm, "cluster", file.url, "");
  o.key_file = pick(vm, "cluster-key", file.key_file, dkim::cluster::kDefaultClusterKey);
  o.db_path = pick(vm, "db", "", "");
  o.once = vm.count("once") > 0;
  if (vm.count("poll-interval")) o.poll_ms = vm["poll-interval"].as<int>();
  if (o.url.empty())
    throw dkim::Error(dkim::ErrorKind::usage,
                      "options: no cluster URL (--cluster or cluster = in the config file)");
  if (o.db_path.empty()) throw dkim::Error(dkim::ErrorKind::usage, "options: --db PATH names the replica");
  if (o.poll_ms < 10 || o.poll_ms > 600000)
    throw dkim::Error(dkim::ErrorKind::usage, "options: --poll-interval must be 10 to 600000");
  bool foreground = vm.count("foreground") > 0;
  if (!foreground) {
    if (::daemon(0, 0) != 0) throw dkim::Error(dkim::ErrorKind::temporary, "cannot become a daemon");
    openlog("dkim-filter-sync", LOG_PID, LOG_MAIL);
  }
  auto log = [foreground](const std::string& line) {
    if (foreground)
      std::cerr << "dkim-filter-sync: " << line << std::endl;
    else
      syslog(LOG_INFO, "%s", line.c_str());
  };
  return dkim::cluster::run_sync(o, g_stop, log);
}

}  // namespace

int main(int argc, char** argv) {
  // The process holds the cluster key and private keys in clear.
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = true; };  // no SA_RESTART: poll(2) returns EINTR
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Not crypto::initialize(): the filter's trimmed OpenSSL start-up drops
  // the digest name tables that libpq's TLS certificate checks look up.
  try {
    return run(argc, argv);
  } catch (const dkim::Error& e) {
    std::cerr << "dkim-filter-sync: " << e.what() << "\n";
    syslog(LOG_ERR, "%s", e.what());
    return dkim::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "dkim-filter-sync: internal error: " << e.what() << "\n";
    return dkim::exit_code::software;
  }
}
