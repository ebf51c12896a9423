// SPDX-License-Identifier: MIT
// dkim-filter-web: the control panel and its JSON API; see
// dkim-filter-web(8). main() reads the options, refuses an address that is
// not loopback unless TLS is configured, and runs the server.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <set>
#include <sstream>

#include "db/admin/config.h"
#include "db/cluster/cluster_config.h"
#include "db/config_options.h"
#include "db/keystore.h"
#include "filter/base/error.h"
#include "filter/base/trusted_file.h"
#include "web/api.h"
#include "web/pages.h"
#include "web/server.h"

namespace {

namespace po = boost::program_options;
using dkim::Error;
using dkim::ErrorKind;

constexpr const char* kDefaultConfig = "/etc/dkim-filter/dkim-filter.conf";

// Options of the shared configuration file that belong to the other
// programs: accepted here, not used (an unknown name is still an error).
bool is_other_programs(const std::string& name) {
  for (std::string_view other : dkim::config::kFilterOptions)
    if (name == other) return true;
  for (std::string_view other : dkim::config::kAdminOptions)
    if (name == other) return true;
  for (std::string_view other : dkim::config::kClusterOptions)
    if (name == other) return true;
  return false;
}

po::options_description file_options() {
  po::options_description d("Options (also valid in the config file)");
  d.add_options()("db", po::value<std::string>(),
                  "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
      "listen", po::value<std::string>(),
      "ADDR:PORT to listen on (default 127.0.0.1:8025; [::1]:PORT for IPv6)")(
      "tls-cert", po::value<std::string>(), "PEM certificate chain: serve HTTPS (required off loopback)")(
      "tls-key", po::value<std::string>(), "PEM private key of --tls-cert")(
      "nameserver", po::value<std::string>(),
      "DNS server for key checks and activation, IP[:PORT] (default: the system resolver; for "
      "activation, the zone's authoritative servers)")(
      "dns-timeout", po::value<int>(), "seconds to wait for each DNS answer, 1 to 60 (default 5)")(
      "log", po::value<std::string>(), "syslog (default, facility mail) or stderr")(
      "max-body", po::value<std::size_t>(), "largest request body in bytes (default 1048576)")(
      "max-connections", po::value<int>(), "connections served at once (default 1024)")(
      "connection-timeout", po::value<int>(), "seconds a connection may stay silent (default 30)")(
      "max-key-jobs", po::value<int>(),
      "key generations and DNS checks running or waiting at once (default 4); beyond: 503");
  return d;
}

struct Settings {
  dkim::web::ServerConfig server;
  dkim::web::ApiConfig api;
  bool foreground = false;
  bool print_routes = false;
};

void parse_listen(const std::string& text, dkim::web::ServerConfig& server) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw Error(ErrorKind::usage, "--listen must be ADDR:PORT, not " + text);
  std::string host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int n = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || n > 65535) throw Error(ErrorKind::usage, "--listen: bad port " + port);
    n = n * 10 + (c - '0');
  }
  if (n > 65535) throw Error(ErrorKind::usage, "--listen: bad port " + port);
  server.address = host;
  server.port = static_cast<unsigned short>(n);
}

// Reads the file's options into `vm`; true when it sets any of the key
// lifecycle's (dkim-filter-admin(8) "CONFIGURATION"), which the API's
// rotate, activate, revoke and delete then use as the admin does, or the
// cluster's (every request then reads and writes PostgreSQL).
bool read_config(const std::string& path, bool must_exist, po::variables_map& vm) {
  std::optional<std::string> text = dkim::read_trusted_file(path, must_exist);
  if (!text) return false;
  std::istringstream in(*text);
  bool lifecycle = false;
  try {
    const po::options_description known = file_options();  // `parsed` points into it
    auto parsed = po::parse_config_file(in, known, /*allow_unregistered=*/true);
    for (const auto& o : parsed.options) {
      if (o.unregistered && !is_other_programs(o.string_key))
        throw Error(ErrorKind::config, "config: " + path + ": unrecognised option '" + o.string_key + "'");
      for (std::string_view name : dkim::config::kAdminOptions) lifecycle = lifecycle || o.string_key == name;
      for (std::string_view name : dkim::config::kClusterOptions)
        lifecycle = lifecycle || o.string_key == name;
    }
    po::store(parsed, vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::config, "config: " + path + ": " + e.what());
  }
  return lifecycle;
}

std::optional<Settings> parse(int argc, char** argv) {
  po::options_description cli("Command-line options");
  cli.add_options()("help,h", "print this help")("version", "print the version")(
      "config", po::value<std::string>(),
      "config file (default /etc/dkim-filter/dkim-filter.conf if present)")(
      "foreground", "stay in the foreground (systemd); otherwise detach as a daemon")(
      "print-routes", "print the API's METHOD PATH lines and exit");
  po::options_description all;
  all.add(cli).add(file_options());
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, all), vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::usage, e.what());
  }
  if (vm.count("help")) {
    std::cout << "usage: dkim-filter-web [--config FILE] [--db PATH] [--listen ADDR:PORT] [--foreground]\n"
                 "                       [--tls-cert FILE --tls-key FILE]\n\n"
              << all;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "dkim-filter-web 0.1.0\n";
    return std::nullopt;
  }
  // Command-line values win: the file only fills what is still unset.
  std::string config = vm.count("config") ? vm["config"].as<std::string>() : kDefaultConfig;
  bool lifecycle = read_config(config, vm.count("config") > 0, vm);
  Settings s;
  // The lifecycle's options through the admin's own reader, so that both
  // programs take the same values with the same checks.
  if (lifecycle) s.api.lifecycle = dkim::admin::read_admin_config(config, true);
  s.foreground = vm.count("foreground") > 0;
  s.print_routes = vm.count("print-routes") > 0;
  s.api.db_path = vm.count("db") ? vm["db"].as<std::string>() : dkim::db::default_db_path();
  if (!vm.count("db") && !s.api.lifecycle.cluster.empty()) {
    s.api.cluster_url = s.api.lifecycle.cluster;
    s.api.cluster_key_file =
        s.api.lifecycle.cluster_key.empty() ? dkim::cluster::kDefaultClusterKey : s.api.lifecycle.cluster_key;
  }
  if (vm.count("listen")) parse_listen(vm["listen"].as<std::string>(), s.server);
  if (vm.count("tls-cert")) s.server.tls_cert = vm["tls-cert"].as<std::string>();
  if (vm.count("tls-key")) s.server.tls_key = vm["tls-key"].as<std::string>();
  if (s.server.tls_cert.empty() != s.server.tls_key.empty())
    throw Error(ErrorKind::usage, "--tls-cert and --tls-key go together");
  if (vm.count("nameserver")) s.api.nameserver = vm["nameserver"].as<std::string>();
  if (vm.count("dns-timeout")) s.api.dns_timeout = vm["dns-timeout"].as<int>();
  // As the admin's --timeout: refused before any work.
  if (s.api.dns_timeout < 1 || s.api.dns_timeout > 60)
    throw Error(ErrorKind::usage, "--dns-timeout must be 1 to 60 seconds");
  std::string log = vm.count("log") ? vm["log"].as<std::string>() : "syslog";
  if (log != "syslog" && log != "stderr") throw Error(ErrorKind::usage, "--log must be syslog or stderr");
  s.api.log_stderr = log == "stderr";
  if (vm.count("max-body")) s.server.max_body = vm["max-body"].as<std::size_t>();
  if (vm.count("max-connections")) s.server.max_connections = vm["max-connections"].as<int>();
  if (vm.count("connection-timeout")) s.server.timeout_seconds = vm["connection-timeout"].as<int>();
  if (vm.count("max-key-jobs")) s.server.max_offloaded = vm["max-key-jobs"].as<int>();
  if (s.server.max_connections < 1 || s.server.timeout_seconds < 1 || s.server.max_offloaded < 1)
    throw Error(ErrorKind::usage,
                "--max-connections, --connection-timeout and --max-key-jobs must be positive");
  return s;
}

int run(int argc, char** argv) {
  auto settings = parse(argc, argv);
  if (!settings) return 0;
  if (settings->print_routes) {
    for (const auto& r : dkim::web::all_routes()) std::cout << r.method << " " << r.path << "\n";
    return 0;
  }
  auto& server = settings->server;
  // Tokens and session cookies cross the network in clear without TLS.
  if (server.tls_cert.empty() && !dkim::web::is_loopback(server.address))
    throw Error(ErrorKind::usage, "refusing to listen on " + server.address +
                                      " without TLS: give --tls-cert and --tls-key (or a loopback address)");
  dkim::web::open_store(settings->api);  // fails now, not at the first request
  dkim::web::Pages pages(settings->api);
  if (!settings->foreground && ::daemon(0, 0) != 0)
    throw Error(ErrorKind::temporary, "cannot detach (daemon(3))");
  server.offload = &dkim::web::Pages::slow;
  server.busy = &dkim::web::Pages::busy;
  server.on_listening = [&](const std::string& where) {
    std::cerr << "dkim-filter-web: listening on " << where << (server.tls_cert.empty() ? "" : " (TLS)")
              << "\n";
  };
  dkim::web::run_server(server, [&](const dkim::web::Request& r) { return pages.dispatch(r); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "dkim-filter-web: " << e.what() << "\n";
    return dkim::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "dkim-filter-web: internal error: " << e.what() << "\n";
    return dkim::exit_code::software;
  }
}
