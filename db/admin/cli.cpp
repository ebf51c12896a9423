// SPDX-License-Identifier: MIT
#include "db/admin/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include "db/admin/process.h"
#include "db/cluster/pg_store.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"
#include "filter/dkim/canonicalize.h"
#include "filter/mail/fd_io.h"

namespace dkim::admin {

constexpr size_t kMaxInput = 1 << 20;

std::optional<KeyName> parse_key_command(const std::vector<std::string>& args, const CommandSpec& spec,
                                         po::options_description& options, po::variables_map& vm,
                                         Context& ctx) {
  std::vector<std::string> pos;
  if (!parse_command(args, spec, options, vm, pos, ctx)) return std::nullopt;
  return KeyName{db::normalize_domain(pos[0]), db::normalize_selector(pos[1])};
}

bool parse_command(const std::vector<std::string>& args, const CommandSpec& spec,
                   po::options_description& options, po::variables_map& vm,
                   std::vector<std::string>& positional, Context& ctx) {
  options.add_options()("db", po::value<std::string>(),
                        "key database (default $DKIM_FILTER_DB or /var/lib/dkim-filter/dkim.db)")(
      "cluster", po::value<std::string>(), "cluster mode: PostgreSQL connection URI")(
      "cluster-key", po::value<std::string>(), "cluster key file (default /etc/dkim-filter/cluster.key)")(
      "config", po::value<std::string>(),
      "configuration file (default /etc/dkim-filter/dkim-filter.conf when present)")("help,h",
                                                                                     "show this help");
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
  if (vm.count("cluster")) ctx.cluster_url = vm["cluster"].as<std::string>();
  if (vm.count("cluster-key")) ctx.cluster_key_file = vm["cluster-key"].as<std::string>();
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

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629 §4: no
// overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](size_t k) { return (at(k) & 0xc0) == 0x80; };
  unsigned c = at(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    return at(1) >= lo && at(1) <= hi && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    return at(1) >= lo && at(1) <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::string json_string(std::string_view s) {
  // RFC 8259 §7: quotation mark, reverse solidus and the control characters
  // U+0000..U+001F must be escaped; §8.1: the text is UTF-8, so a byte that
  // is not part of a well-formed sequence becomes U+FFFD. DEL is escaped
  // too, for terminals.
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else if (u < 0x80) {
      out += c;
    } else if (size_t n = utf8_length(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
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

namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void check_access(const Context& ctx, bool write) {
  const std::string& path = ctx.db_path;
  std::string dir = parent_of(path);
  struct stat st {};
  std::string denied;
  gid_t gid = 0;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != EACCES) return;  // missing: the open names the fix (init)
    denied = "cannot reach " + path + " (" + std::strerror(errno) + ")";
    struct stat dst {};
    gid = ::stat(dir.c_str(), &dst) == 0 ? dst.st_gid : 0;
  } else {
    gid = st.st_gid;
    if (::access(path.c_str(), write ? R_OK | W_OK : R_OK) != 0)
      denied =
          std::string("cannot ") + (write ? "write " : "read ") + path + " (" + std::strerror(errno) + ")";
    else if (write && ::access(dir.c_str(), W_OK) != 0)  // the rollback journal is made beside it
      denied = "cannot write in " + dir + " (" + std::strerror(errno) + ")";
  }
  if (denied.empty()) return;
  throw Error(ErrorKind::config,
              denied + " as " + current_user_text() +
                  ": dkim-filter-admin needs root, or an account in the database's group " + group_name(gid) +
                  (write ? " with group write permission" : ""));
}

bool cluster_mode(const Context& ctx) { return !ctx.cluster_url.empty() && !ctx.db_given; }

db::KeyStore open_store(const Context& ctx) {
  if (cluster_mode(ctx)) return cluster::open_store(ctx.cluster_url, ctx.cluster_key_file);
  check_access(ctx, true);
  auto store = db::KeyStore::open_writer(ctx.db_path);
  struct stat st {};
  if (::stat(ctx.db_path.c_str(), &st) == 0 && (st.st_mode & 007))
    warn(ctx.db_path + " is accessible by others; the filter refuses it (chmod 0640 " + ctx.db_path + ")");
  return store;
}

std::string normalize_canon(const std::string& canon) {
  auto parsed = parse_canonicalization(canon);
  if (!parsed)
    throw Error(ErrorKind::usage, "--canon must be HEADER/BODY, each simple or relaxed, not '" + canon + "'");
  return canonicalization_name(*parsed);
}

}  // namespace dkim::admin
