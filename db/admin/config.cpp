// SPDX-License-Identifier: MIT
#include "db/admin/config.h"

#include <boost/program_options.hpp>
#include <sstream>

#include "db/config_options.h"
#include "db/names.h"
#include "filter/base/error.h"
#include "filter/base/trusted_file.h"

namespace dkim::admin {
namespace po = boost::program_options;
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "config: " + what); }

po::options_description file_options() {
  po::options_description d;
  d.add_options()("db", po::value<std::string>());
  for (std::string_view name : config::kAdminOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  for (std::string_view name : config::kClusterOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  for (std::string_view name : config::kFilterOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  for (std::string_view name : config::kWebOptions)
    d.add_options()(std::string(name).c_str(), po::value<std::string>());
  return d;
}

std::string get(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

}  // namespace

long long parse_duration(std::string_view text, std::string_view what) {
  std::string t(text);
  auto bad = [&]() -> long long {
    throw Error(ErrorKind::config,
                "config: " + std::string(what) +
                    " must be a number of days, or a number followed by s, m, h, d or w, not '" +
                    t.substr(0, 40) + "'");
  };
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || t.size() > digits + 1) return bad();
  long long n = std::stoll(t.substr(0, digits));
  char unit = digits < t.size() ? t[digits] : 'd';
  switch (unit) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    case 'w':
      return n * 7 * 86400;
    default:
      return bad();
  }
}

void parse_rotate_every(std::string_view text, AdminConfig& c) {
  std::string list(text);
  for (char& ch : list)
    if (ch == ',' || ch == '\t') ch = ' ';
  std::istringstream entries(list);
  bool any = false;
  for (std::string entry; entries >> entry;) {
    any = true;
    auto eq = entry.find('=');
    if (eq == std::string::npos) {
      c.rotate_every = parse_duration(entry, "rotate-every");
      continue;
    }
    std::string domain;
    try {
      domain = db::normalize_domain(entry.substr(0, eq));
    } catch (const Error& e) {
      fail("rotate-every: '" + entry.substr(0, 80) + "': " + e.what());
    }
    std::string value = entry.substr(eq + 1);
    c.rotate_every_domain[domain] = value == "off" ? 0 : parse_duration(value, "rotate-every for " + domain);
  }
  if (!any) fail("rotate-every: empty; give a DURATION or DOMAIN=DURATION entries");
}

long long AdminConfig::rotation_period(const std::string& domain) const {
  auto it = rotate_every_domain.find(domain);
  return it != rotate_every_domain.end() ? it->second : rotate_every;
}

AdminConfig read_admin_config(const std::string& path, bool must_exist) {
  AdminConfig c;
  std::optional<std::string> text = read_trusted_file(path, must_exist);
  if (!text) return c;
  c.file = path;
  po::variables_map vm;
  std::istringstream in(*text);
  try {
    po::store(po::parse_config_file(in, file_options()), vm);
  } catch (const po::error& e) {
    fail(path + ": " + e.what());
  }
  c.db = get(vm, "db");
  c.milter_socket = get(vm, "socket");
  c.dns_update = get(vm, "dns-update");
  c.dns_update_key = get(vm, "dns-update-key");
  c.dns_zone = get(vm, "dns-zone");
  c.delegate_zone = get(vm, "delegate-zone");
  c.cluster = get(vm, "cluster");
  c.cluster_key = get(vm, "cluster-key");
  if (!c.dns_update.empty() && c.dns_update_key.empty())
    fail(path + ": dns-update needs dns-update-key (updates are always signed with TSIG)");
  if (vm.count("dns-ttl")) {
    std::string ttl = get(vm, "dns-ttl");
    bool bare = ttl.find_first_not_of("0123456789") == std::string::npos;  // seconds, as in a zone file
    long long seconds = parse_duration(bare ? ttl + "s" : ttl, "dns-ttl");
    if (seconds < 1 || seconds > 7 * 86400) fail(path + ": dns-ttl must be 1 second to 7 days");
    c.dns_ttl = static_cast<uint32_t>(seconds);
  }
  if (vm.count("max-staleness")) {
    std::string text = get(vm, "max-staleness");
    bool bare = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    if (!bare || text.size() > 12 || std::stoll(text) < 1)
      fail(path + ": max-staleness must be a number of seconds, at least 1");
    c.max_staleness = std::stoll(text);
  }
  if (vm.count("retire-after")) c.retire_after = parse_duration(get(vm, "retire-after"), "retire-after");
  if (vm.count("delete-after")) c.delete_after = parse_duration(get(vm, "delete-after"), "delete-after");
  if (vm.count("rotate-every")) parse_rotate_every(get(vm, "rotate-every"), c);
  return c;
}

}  // namespace dkim::admin
