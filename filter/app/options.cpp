// SPDX-License-Identifier: MIT
#include "filter/app/options.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <sstream>

#include "build_info.h"
#include "db/config_options.h"
#include "db/version.h"
#include "filter/app/smtp_output.h"
#include "filter/base/error.h"
#include "filter/base/trusted_file.h"
#include "filter/crypto/version.h"
#include "filter/dkim/canonicalize.h"

namespace po = boost::program_options;

namespace dkim::app {
namespace {

bool has_line_break(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

// DNS-name-like tokens only: a stray ';' or space would corrupt the field.
bool is_token(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

constexpr const char* kDefaultConfig = "/etc/dkim-filter/dkim-filter.conf";

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
      "with --key: header/body canonicalization (default relaxed/relaxed)")(
      "max-staleness", po::value<long long>(),
      "cluster mode: defer when the replica was last confirmed current longer ago, in seconds (default "
      "3600)")("cluster", po::value<std::string>(),
               "cluster mode: PostgreSQL URI (dkim-filter-sync's; ignored here)")(
      "cluster-key", po::value<std::string>(),
      "cluster mode: cluster key file (dkim-filter-sync's; ignored here)");
  return d;
}

// What the file may hold: the options above, and dkim-filter-admin's
// lifecycle options, accepted and ignored (one file serves every binary).
po::options_description config_file_options() {
  po::options_description d = shared_options();
  for (std::string_view name : config::kAdminOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>(), "");
  for (std::string_view name : config::kWebOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>(), "");
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
      "smtp", po::value<std::string>(),
      "re-inject over ESMTP to this re-injection smtpd (IP:PORT, e.g. 127.0.0.1:10026) instead of sendmail")(
      "key", po::value<std::string>(), "sign with this PEM private key; no database, no rules")(
      "domain,d", po::value<std::string>(), "with --key: the signing domain (d=)")(
      "selector,s", po::value<std::string>(), "with --key: the selector (s=)")(
      "timestamp", po::value<long long>(), "use this t= instead of the current time (testing)")(
      "size", po::value<long long>(),
      "the message's size in bytes (Postfix ${size}): a message that arrives shorter or longer is deferred")(
      "recipient", po::value<std::vector<std::string>>(), "recipients, after --");
  return d;
}

std::string get(const po::variables_map& vm, const char* name, const std::string& fallback) {
  return vm.count(name) ? vm[name].as<std::string>() : fallback;
}

// The values valid both on the command line and in the file. `where`
// prefixes the message of a bad value ("options" or "config: FILE").
void apply_values(const po::variables_map& vm, Options& o, ErrorKind kind, const std::string& where) {
  o.db_path = get(vm, "db", o.db_path);
  o.sendmail = get(vm, "sendmail", o.sendmail);
  o.default_user = get(vm, "default-user", o.default_user);
  o.spool_dir = get(vm, "spool-dir", o.spool_dir);
  o.canon = get(vm, "canon", o.canon);
  if (!parse_canonicalization(o.canon))
    throw Error(kind, where + ": canon must be simple or relaxed, as H/B (RFC 6376 §3.4)");
  if (vm.count("expire")) o.expire_seconds = vm["expire"].as<long long>();
  if (vm.count("max-staleness")) o.max_staleness = vm["max-staleness"].as<long long>();
  if (o.max_staleness < 1) throw Error(kind, where + ": max-staleness must be at least 1 second");
  if (vm.count("on-error")) {
    auto v = vm["on-error"].as<std::string>();
    if (v != "tempfail" && v != "pass") throw Error(kind, where + ": on-error must be tempfail or pass");
    o.on_error = v == "pass" ? OnError::pass : OnError::tempfail;
  }
  if (vm.count("log")) {
    auto v = vm["log"].as<std::string>();
    if (v != "syslog" && v != "stderr") throw Error(kind, where + ": log must be syslog or stderr");
    o.log = v == "stderr" ? LogTarget::stderr_ : LogTarget::syslog;
  }
  // x= = t= + expire must fit x='s twelve digits (RFC 6376 §3.5) and lie
  // after t=: checked against today's t= (or --timestamp) once both are
  // known, in expiry_problem().
  if (o.expire_seconds < 0 || o.expire_seconds > kMaxTimestamp)
    throw Error(kind, where + ": expire must be 0 (no x=) to " + std::to_string(kMaxTimestamp) + " seconds");
}

// "" or why x= would not fit twelve digits.
std::string expiry_problem(const Options& o) {
  if (o.expire_seconds == 0) return {};
  long long t = o.timestamp ? *o.timestamp : static_cast<long long>(std::time(nullptr));
  if (o.expire_seconds <= kMaxTimestamp - t) return {};
  return "expire " + std::to_string(o.expire_seconds) + " puts x= past " + std::to_string(kMaxTimestamp) +
         " (RFC 6376 x= has at most 12 digits)";
}

// Reads the file into `vm`; returns "" or what is wrong with it (and then
// stores nothing). A missing default file is no problem: it is optional.
std::string read_config_file(const std::string& path, bool must_exist, po::variables_map& vm) {
  std::optional<std::string> text;
  try {
    text = read_trusted_file(
        path, must_exist,
        must_exist ? "(check --config)" : "(make it readable by the filter's user, or remove it)");
  } catch (const Error& e) {
    return e.what();
  }
  if (!text) return {};
  std::istringstream in(*text);
  try {
    po::variables_map file;
    // One file serves dkim-filter, dkim-filter-milter, dkim-filter-admin and
    // dkim-filter-web: the others' options are accepted here and not used.
    po::options_description file_options = config_file_options();
    file_options.add_options()("socket", po::value<std::string>());
    po::store(po::parse_config_file(in, file_options), file);
    Options probe;
    apply_values(file, probe, ErrorKind::config, "config: " + path);
    vm = std::move(file);
  } catch (const po::error& e) {
    return "config: " + path + ": " + e.what() +
           " (fix the file; the options are those of dkim-filter --help)";
  } catch (const Error& e) {
    return std::string(e.what()) + " (fix the file)";
  }
  return {};
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
    // Both libraries are linked in statically: these are the versions that
    // run, whatever the system's libssl3 / libsqlite3-0 (doctor compares).
    std::cout << "dkim-filter " << build::kVersion << "\n"
              << "OpenSSL: " << crypto::openssl_version() << "\n"
              << "SQLite: " << db::sqlite_version() << "\n";
    if (*build::kBuiltUsing) std::cout << "Built-Using: " << build::kBuiltUsing << "\n";
    return std::nullopt;
  }
  Options o;
  // The file first, the command line over it. A broken file is ignored as
  // a whole, so that nothing is signed from half a configuration; why is
  // kept for the run, where the command line's --on-error decides.
  po::variables_map file;
  o.config_problem = cli.count("config") ? read_config_file(cli["config"].as<std::string>(), true, file)
                                         : read_config_file(kDefaultConfig, false, file);
  if (o.config_problem.empty()) apply_values(file, o, ErrorKind::config, "config");
  apply_values(cli, o, ErrorKind::usage, "options");
  o.to_stdout = cli.count("stdout") > 0;
  o.smtp = get(cli, "smtp", "");
  o.have_sender = cli.count("sender") > 0;
  o.sender = get(cli, "sender", "");
  o.sasl_user = get(cli, "sasl-user", "");
  o.client_ip = get(cli, "client-address", "");
  o.queue_id = get(cli, "queue-id", "");
  o.key_file = get(cli, "key", "");
  o.domain = get(cli, "domain", "");
  o.selector = get(cli, "selector", "");
  if (cli.count("timestamp")) o.timestamp = cli["timestamp"].as<long long>();
  if (o.timestamp && (*o.timestamp < 0 || *o.timestamp > kMaxTimestamp))
    throw Error(ErrorKind::usage, "options: --timestamp must be 0 to " + std::to_string(kMaxTimestamp) +
                                      " (RFC 6376 t= has at most 12 digits)");
  if (cli.count("size")) o.size = cli["size"].as<long long>();
  if (o.size && *o.size < 0) throw Error(ErrorKind::usage, "options: --size must not be negative");
  if (cli.count("recipient")) o.recipients = cli["recipient"].as<std::vector<std::string>>();
  if (auto problem = expiry_problem(o); !problem.empty()) {
    if (cli.count("expire")) throw Error(ErrorKind::usage, "options: --" + problem);
    if (o.config_problem.empty()) o.config_problem = "config: " + problem + " (fix the file)";
    o.expire_seconds = 0;
  }
  return o;
}

void validate_options(const Options& o) {
  if (!o.key_file.empty()) {
    if (!is_token(o.domain)) throw Error(ErrorKind::usage, "options: --key needs a valid -d DOMAIN");
    if (!is_token(o.selector)) throw Error(ErrorKind::usage, "options: --key needs a valid -s SELECTOR");
  }
  if (!o.to_stdout) {
    if (!o.have_sender)
      throw Error(ErrorKind::usage, "options: -f SENDER is required to re-inject (or use --stdout)");
    if (o.recipients.empty()) throw Error(ErrorKind::usage, "options: no recipients after --");
  }
  if (!o.smtp.empty()) {
    if (o.to_stdout) throw Error(ErrorKind::usage, "options: --smtp and --stdout exclude each other");
    if (std::string problem = smtp_target_problem(o.smtp); !problem.empty())
      throw Error(ErrorKind::usage, "options: " + problem);
    // RFC 5321 §4.1.2: an angle bracket ends a path; Postfix's flags=q
    // quotes a localpart that needs it.
    for (const auto& r : o.recipients)
      if (r.find_first_of("<>") != std::string::npos)
        throw Error(ErrorKind::usage, "options: angle bracket in a recipient");
    if (o.sender.find_first_of("<>") != std::string::npos)
      throw Error(ErrorKind::usage, "options: angle bracket in the sender");
  }
  if (has_line_break(o.sender)) throw Error(ErrorKind::usage, "options: line break in the sender");
  for (const auto& r : o.recipients)
    if (has_line_break(r) || r.empty())
      throw Error(ErrorKind::usage, "options: empty recipient or line break in one");
  if (has_line_break(o.sasl_user) || has_line_break(o.client_ip) || has_line_break(o.queue_id))
    throw Error(ErrorKind::usage, "options: line break in an argument");
}

}  // namespace dkim::app
