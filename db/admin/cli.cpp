// SPDX-License-Identifier: MIT
#include "db/admin/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "filter/crypto/key.h"
#include "filter/dkim/error.h"
#include "filter/mail/fd_io.h"

namespace dkim::admin {

constexpr size_t kMaxInput = 1 << 20;

bool parse_command(const std::vector<std::string>& args, const CommandSpec& spec,
                   po::options_description& options, po::variables_map& vm,
                   std::vector<std::string>& positional, Context& ctx) {
  options.add_options()("db", po::value<std::string>(),
                        "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
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
  if (vm.count("db")) ctx.db_path = vm["db"].as<std::string>();
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
  int fd = file == "-" ? 0 : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::usage, "cannot read " + file + ": " + std::strerror(errno));
  // One buffer of the limit plus one byte, read in place: endless input
  // (/dev/zero, a pipe that never closes its end after 1 MiB) stops at the
  // limit, and no reallocation leaves a stray copy of key text behind.
  std::string data(kMaxInput + 1, '\0');
  std::size_t used = 0;
  try {
    while (used < data.size()) {
      std::size_t n = mail::read_some(fd, data.data() + used, data.size() - used);
      if (n == 0) break;
      used += n;
    }
  } catch (const Error&) {
    if (fd != 0) ::close(fd);
    crypto::cleanse(data);
    throw Error(ErrorKind::usage, "cannot read " + file);
  }
  if (fd != 0) ::close(fd);
  if (used > kMaxInput) {
    crypto::cleanse(data);
    throw Error(ErrorKind::data, "input too large to be a private key (more than 1 MiB)");
  }
  data.resize(used);  // shrinking keeps the buffer: the caller cleanses it
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
