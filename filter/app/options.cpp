// SPDX-License-Identifier: MIT
#include "filter/app/options.h"

#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "filter/dkim/error.h"

namespace po = boost::program_options;

namespace dkim::app {
namespace {

constexpr const char* kDefaultConfig = "/etc/dkim-filter/dkim-filter.conf";
constexpr const char* kVersion = "dkim-filter 0.1.0";

// Options that may also come from the config file.
po::options_description shared_options() {
  po::options_description d("Options (also valid in the config file)");
  d.add_options()("db", po::value<std::string>(),
                  "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
      "sendmail", po::value<std::string>(), "sendmail used to re-inject (default /usr/sbin/sendmail)")(
      "on-error", po::value<std::string>(),
      "tempfail (default): transient failures defer the message; pass: send it on unsigned")(
      "log", po::value<std::string>(), "syslog (default, facility mail) or stderr")(
      "default-user", po::value<std::string>(),
      "outgoing user for mail with neither SASL user nor known client address")(
      "spool-dir", po::value<std::string>(),
      "directory for the temporary body spool (default $TMPDIR or /tmp)")(
      "expire", po::value<long long>(), "add x= this many seconds after t= (default: no x=)")(
      "canon", po::value<std::string>(),
      "with --key: header/body canonicalization (default relaxed/relaxed)");
  return d;
}

po::options_description command_line_options() {
  po::options_description d("Command-line options");
  d.add_options()("help,h", "print this help")("version", "print the version")(
      "config", po::value<std::string>(),
      "config file (default /etc/dkim-filter/dkim-filter.conf if present)")(
      "sender,f", po::value<std::string>(), "envelope sender (Postfix ${sender}; empty for the null sender)")(
      "sasl-user,u", po::value<std::string>(), "SASL login of the outgoing user (Postfix ${sasl_username})")(
      "client-address,a", po::value<std::string>(), "client IP address (Postfix ${client_address})")(
      "queue-id,q", po::value<std::string>(), "queue id, for the log line (Postfix ${queue_id})")(
      "stdout", "write the message to stdout (Exim transport_filter) instead of re-injecting it")(
      "key", po::value<std::string>(), "sign with this PEM private key; no database, no rules")(
      "domain,d", po::value<std::string>(), "with --key: the signing domain (d=)")(
      "selector,s", po::value<std::string>(), "with --key: the selector (s=)")(
      "timestamp", po::value<long long>(), "use this t= instead of the current time (testing)")(
      "recipient", po::value<std::vector<std::string>>(), "recipients, after --");
  return d;
}

std::string get(const po::variables_map& vm, const char* name, const std::string& fallback) {
  return vm.count(name) ? vm[name].as<std::string>() : fallback;
}

void apply_values(const po::variables_map& vm, Options& o) {
  o.db_path = get(vm, "db", o.db_path);
  o.sendmail = get(vm, "sendmail", o.sendmail);
  o.default_user = get(vm, "default-user", o.default_user);
  o.spool_dir = get(vm, "spool-dir", o.spool_dir);
  o.canon = get(vm, "canon", o.canon);
  if (vm.count("expire")) o.expire_seconds = vm["expire"].as<long long>();
  if (vm.count("on-error")) {
    auto v = vm["on-error"].as<std::string>();
    if (v != "tempfail" && v != "pass")
      throw Error(ErrorKind::usage, "options: --on-error must be tempfail or pass");
    o.on_error = v == "pass" ? OnError::pass : OnError::tempfail;
  }
  if (vm.count("log")) {
    auto v = vm["log"].as<std::string>();
    if (v != "syslog" && v != "stderr")
      throw Error(ErrorKind::usage, "options: --log must be syslog or stderr");
    o.log = v == "stderr" ? LogTarget::stderr_ : LogTarget::syslog;
  }
  if (o.expire_seconds < 0) throw Error(ErrorKind::usage, "options: --expire must not be negative");
}

void read_config_file(const std::string& path, bool must_exist, po::variables_map& vm) {
  std::ifstream in(path);
  if (!in) {
    struct stat st;
    if (!must_exist && ::stat(path.c_str(), &st) != 0) return;
    throw Error(ErrorKind::config, "config: cannot read " + path);
  }
  try {
    // One file serves dkim-filter and dkim-filter-milter: the milter's own
    // option is accepted here and not used.
    po::options_description file_options;
    file_options.add(shared_options()).add_options()("socket", po::value<std::string>());
    po::store(po::parse_config_file(in, file_options), vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::config, "config: " + path + ": " + e.what());
  }
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  po::options_description all;
  all.add(command_line_options()).add(shared_options());
  po::positional_options_description positional;
  positional.add("recipient", -1);
  po::variables_map cli;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), cli);
  } catch (const po::error& e) {
    throw Error(ErrorKind::usage, std::string("options: ") + e.what());
  }
  if (cli.count("help")) {
    std::cout
        << "usage: dkim-filter [--config FILE] [--db PATH] -f SENDER [-u SASL_USER] [-a CLIENT_IP]\n"
           "                   [--stdout] [--sendmail PATH] [--on-error tempfail|pass] -- RECIPIENT...\n"
           "       dkim-filter --stdout --key FILE -d DOMAIN -s SELECTOR [--canon H/B]\n\n"
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

  Options o;
  apply_values(cli, o);
  o.to_stdout = cli.count("stdout") > 0;
  o.have_sender = cli.count("sender") > 0;
  o.sender = get(cli, "sender", "");
  o.sasl_user = get(cli, "sasl-user", "");
  o.client_ip = get(cli, "client-address", "");
  o.queue_id = get(cli, "queue-id", "");
  o.key_file = get(cli, "key", "");
  o.domain = get(cli, "domain", "");
  o.selector = get(cli, "selector", "");
  if (cli.count("timestamp")) o.timestamp = cli["timestamp"].as<long long>();
  if (cli.count("recipient")) o.recipients = cli["recipient"].as<std::vector<std::string>>();
  return o;
}

}  // namespace dkim::app
