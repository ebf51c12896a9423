// SPDX-License-Identifier: MIT
#include "db/admin/cli.h"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "filter/dkim/error.h"

namespace dkim::admin {

constexpr size_t kMaxInput = 1 << 20;

bool parse_command(const std::vector<std::string>& args, const CommandSpec& spec,
                   po::options_description& options, po::variables_map& vm,
                   std::vector<std::string>& positional, Context& ctx) {
  options.add_options()("db", po::value<std::string>(),
                        "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
      "config", po::value<std::string>(),
      "configuration file (default /etc/dkim-filter/dkim-filter.conf when present)")(
      "help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {  // before notify(): --help needs no required option
      std::cout << "Usage: dkim-filter-admin [--db PATH] " << spec.name << " " << spec.usage << "\n\n"
                << spec.summary << "\n\n"
                << options;
      if (!spec.details.empty()) std::cout << "\n" << spec.details;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::usage, spec.name + ": " + e.what());
  }
  if (vm.count("config")) {
    ctx.config = read_admin_config(vm["config"].as<std::string>(), true);
    if (!ctx.db_given && !ctx.config.db.empty()) ctx.db_path = ctx.config.db;
  }
  if (vm.count("db")) {
    ctx.db_path = vm["db"].as<std::string>();
    ctx.db_given = true;
  }
  if (vm.count("positional")) positional = vm["positional"].as<std::vector<std::string>>();
  if (positional.size() < spec.required || positional.size() > spec.positional.size()) {
    std::string expected;
    for (const auto& p : spec.positional) expected += " " + p;
    throw Error(ErrorKind::usage, spec.name + ": expected" + (expected.empty() ? " no arguments" : expected) +
                                      " (see " + spec.name + " --help)");
  }
  return true;
}

void warn(const std::string& message) { std::cerr << "dkim-filter-admin: warning: " << message << "\n"; }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string iso_time(long long unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string read_input(const std::string& file) {
  std::string data;
  if (file == "-") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::usage, "cannot read " + file);
    std::ostringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  }
  if (data.size() > kMaxInput) throw Error(ErrorKind::data, "input too large to be a private key");
  return data;
}

db::KeyStore open_store(const Context& ctx) {
  auto store = db::KeyStore::open_writer(ctx.db_path);
  struct stat st {};
  if (::stat(ctx.db_path.c_str(), &st) == 0 && (st.st_mode & 007))
    warn(ctx.db_path + " is accessible by others; the filter refuses it (chmod 0640 " + ctx.db_path + ")");
  return store;
}

std::string normalize_canon(const std::string& canon) {
  auto slash = canon.find('/');
  std::string header = canon.substr(0, slash);
  std::string body = slash == std::string::npos ? "simple" : canon.substr(slash + 1);
  auto ok = [](const std::string& c) { return c == "simple" || c == "relaxed"; };
  if (!ok(header) || !ok(body))
    throw Error(ErrorKind::usage, "--canon must be HEADER/BODY, each simple or relaxed, not '" + canon + "'");
  return header + "/" + body;
}

}  // namespace dkim::admin
