// SPDX-License-Identifier: MIT
#include "filter/milter/options.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "db/config_options.h"
#include "filter/base/error.h"
#include "filter/base/trusted_file.h"

namespace po = boost::program_options;

namespace dkim::milter {
namespace {

constexpr const char* kDefaultConfig = "/etc/dkim-filter/dkim-filter.conf";
constexpr const char* kVersion = "dkim-filter-milter 0.1.0";

// Options the milter uses, on the command line or in the file.
po::options_description own_options() {
  po::options_description d("Options (also valid in the config file)");
  d.add_options()("db", po::value<std::string>(),
                  "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
      "socket", po::value<std::string>(),
      "where Postfix connects: unix:/run/dkim-filter/milter.sock or inet:PORT@127.0.0.1")(
      "on-error", po::value<std::string>(),
      "tempfail (default): a failure defers the message (4xx); pass: accept it unsigned")(
      "log", po::value<std::string>(), "syslog (default, facility mail) or stderr")(
      "default-user", po::value<std::string>(),
      "outgoing user for mail with neither {auth_authen} nor a known client address")(
      "expire", po::value<long long>(), "add x= this many seconds after t= (default: no x=)")(
      "max-staleness", po::value<long long>(),
      "cluster node: seconds a replica may go unconfirmed by dkim-filter-sync before signing is a "
      "configuration problem (default 3600)");
  return d;
}

// dkim-filter's options that may sit in the shared file: accepted, not used.
po::options_description filter_only_options() {
  po::options_description d;
  d.add_options()("sendmail", po::value<std::string>())("spool-dir", po::value<std::string>())(
      "canon", po::value<std::string>());
  // dkim-filter-web's, too.
  for (std::string_view name : config::kWebOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  // Cluster mode (dkim-filter-sync(8)): dkim-filter-sync's own options;
  // max-staleness is ours.
  for (std::string_view name : config::kClusterOptions)
    if (name != "max-staleness") d.add_options()(std::string(name).c_str(), po::value<std::string>());
  return d;
}

po::options_description command_line_options() {
  po::options_description d("Command-line options");
  d.add_options()("help,h", "print this help")("version", "print the version")(
      "config", po::value<std::string>(),
      "config file (default /etc/dkim-filter/dkim-filter.conf if present)")(
      "foreground", "stay in the foreground (systemd); default: detach as a daemon");
  return d;
}

std::string get(const po::variables_map& vm, const char* name, const std::string& fallback) {
  return vm.count(name) ? vm[name].as<std::string>() : fallback;
}

void read_config_file(const std::string& path, bool must_exist, po::variables_map& vm) {
  std::optional<std::string> text = read_trusted_file(path, must_exist);
  if (!text) return;
  std::istringstream in(*text);
  po::options_description file_options;
  file_options.add(own_options()).add(filter_only_options());
  // dkim-filter-admin's options (key lifecycle, publishing): accepted, not used.
  for (std::string_view name : config::kAdminOptions)
    file_options.add_options()(std::string(name).c_str(), po::value<std::string>());
  try {
    po::store(po::parse_config_file(in, file_options), vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::config, "config: " + path + ": " + e.what());
  }
}

Options apply_values(const po::variables_map& vm) {
  Options o;
  o.db_path = get(vm, "db", "");
  o.socket = get(vm, "socket", "");
  o.default_user = get(vm, "default-user", "");
  o.foreground = vm.count("foreground") > 0;
  if (vm.count("expire")) o.expire_seconds = vm["expire"].as<long long>();
  // RFC 6376 §3.5: x= is at most 12 digits, like t=.
  if (o.expire_seconds < 0 || o.expire_seconds > 99'999'999'999LL)
    throw Error(ErrorKind::usage, "options: --expire must be between 0 and 99999999999 seconds");
  if (vm.count("max-staleness")) o.max_staleness = vm["max-staleness"].as<long long>();
  if (o.max_staleness < 1)
    throw Error(ErrorKind::usage, "options: --max-staleness must be at least 1 second");
  std::string on_error = get(vm, "on-error", "tempfail");
  if (on_error != "tempfail" && on_error != "pass")
    throw Error(ErrorKind::usage, "options: --on-error must be tempfail or pass");
  o.on_error = on_error == "pass" ? app::OnError::pass : app::OnError::tempfail;
  std::string log = get(vm, "log", "syslog");
  if (log != "syslog" && log != "stderr")
    throw Error(ErrorKind::usage, "options: --log must be syslog or stderr");
  o.log = log == "stderr" ? app::LogTarget::stderr_ : app::LogTarget::syslog;
  if (o.socket.empty())
    throw Error(ErrorKind::usage, "options: --socket is required (e.g. unix:/run/dkim-filter/milter.sock)");
  if (!valid_socket_spec(o.socket))
    throw Error(ErrorKind::usage,
                "options: --socket must be unix:/ABSOLUTE/PATH or inet:PORT@HOST, not " + o.socket);
  return o;
}

bool valid_port(const std::string& port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  long n = std::stol(port);
  return n > 0 && n < 65536;
}

}  // namespace

bool valid_socket_spec(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos) return false;
  std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  if (kind == "unix" || kind == "local") return rest.size() > 1 && rest[0] == '/' && rest.size() < 108;
  if (kind != "inet" && kind != "inet6") return false;
  auto at = rest.find('@');
  if (!valid_port(rest.substr(0, at))) return false;
  return at == std::string::npos || rest.size() > at + 1;
}

std::optional<Options> parse_options(int argc, char** argv) {
  po::options_description all;
  all.add(command_line_options()).add(own_options());
  po::variables_map cli;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), cli);
  } catch (const po::error& e) {
    throw Error(ErrorKind::usage, std::string("options: ") + e.what());
  }
  if (cli.count("help")) {
    std::cout << "usage: dkim-filter-milter [--config FILE] [--db PATH] --socket SPEC [--foreground]\n"
                 "                          [--on-error tempfail|pass] [--default-user USER] [--log "
                 "syslog|stderr]\n\n"
              << all << "\n";
    return std::nullopt;
  }
  if (cli.count("version")) {
    std::cout << kVersion << "\n";
    return std::nullopt;
  }
  // Command-line values were stored first, so they win over the file's.
  if (cli.count("config"))
    read_config_file(cli["config"].as<std::string>(), true, cli);
  else
    read_config_file(kDefaultConfig, false, cli);
  return apply_values(cli);
}

}  // namespace dkim::milter
