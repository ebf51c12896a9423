// SPDX-License-Identifier: MIT
// key check --all [--metrics FILE]: every key's DNS against its state, for
// the daily timer, so that a record a customer deleted or changed is
// noticed the same day. Pending, active and retired keys must be published
// and match; a revoked key must be published with an empty p= (RFC 6376
// §3.6.1). With --metrics, a Prometheus textfile for node_exporter's
// textfile collector (the text exposition format, version 0.0.4).
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "db/admin/cli.h"
#include "db/admin/publish.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

struct KeyResult {
  db::KeyRecord key;
  bool ok = false;
};

// A label value in the text format: backslash, double quote and line feed
// escaped, as the exposition format requires; any other byte as is.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string labels(const db::KeyRecord& k) {
  return "{domain=\"" + label_value(k.domain) + "\",selector=\"" + label_value(k.selector) + "\",slot=\"" +
         label_value(k.slot) + "\"}";
}

std::string metrics_text(const std::vector<KeyResult>& results, long long now) {
  std::ostringstream m;
  m << "# HELP dkim_filter_key_state The key's lifecycle state: 1 for the state it is in.\n"
    << "# TYPE dkim_filter_key_state gauge\n";
  for (const auto& r : results)
    for (auto s :
         {db::KeyState::pending, db::KeyState::active, db::KeyState::retired, db::KeyState::revoked}) {
      std::string l = labels(r.key);
      l.insert(l.size() - 1, ",state=\"" + std::string(db::key_state_name(s)) + "\"");
      m << "dkim_filter_key_state" << l << " " << (r.key.state == s ? 1 : 0) << "\n";
    }
  m << "# HELP dkim_filter_key_age_seconds Seconds since the key was created.\n"
    << "# TYPE dkim_filter_key_age_seconds gauge\n";
  for (const auto& r : results)
    m << "dkim_filter_key_age_seconds" << labels(r.key) << " " << (now - r.key.created) << "\n";
  m << "# HELP dkim_filter_key_dns_ok 1 when every server serves what the key's state needs (published and "
       "matching; empty p= when revoked), else 0.\n"
    << "# TYPE dkim_filter_key_dns_ok gauge\n";
  for (const auto& r : results)
    m << "dkim_filter_key_dns_ok" << labels(r.key) << " " << (r.ok ? 1 : 0) << "\n";
  m << "# HELP dkim_filter_key_check_timestamp_seconds When key check --all last ran (unix time).\n"
    << "# TYPE dkim_filter_key_check_timestamp_seconds gauge\n"
    << "dkim_filter_key_check_timestamp_seconds " << now << "\n";
  return m.str();
}

// Written beside and renamed over FILE, so the collector never reads half
// a file.
void write_metrics(const std::string& file, const std::string& text) {
  std::string tmp = file + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(ErrorKind::config, "key check: cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorKind::config, "key check: cannot rename " + tmp + " to " + file);
  }
}

}  // namespace

int key_check_all(Context& ctx, const std::vector<std::string>& nameservers, int timeout,
                  const std::string& metrics_file) {
  dns::QueryOptions options{timeout};
  for (const auto& ns : nameservers) dns::parse_server(ns);
  auto store = open_store(ctx);
  long long now = static_cast<long long>(std::time(nullptr));
  std::vector<KeyResult> results;
  int drift = 0;
  for (const auto& listed : store.list_keys()) {
    KeyResult r{listed, false};
    std::string name = record_name(ctx.config, listed);
    std::string detail;
    try {
      auto checks = check_served(name, listed, servers_for(name, nameservers, options), options);
      r.ok = !checks.empty();
      for (const auto& c : checks) {
        r.ok = r.ok && c.ok;
        detail += (detail.empty() ? "" : "; ") + c.text;
      }
    } catch (const Error& e) {
      detail = e.what();
    }
    if (!r.ok) ++drift;
    std::cout << printable(name) << " (" << db::key_state_name(listed.state)
              << "): " << (r.ok ? "ok" : "DRIFT") << ": " << printable(detail) << "\n";
    results.push_back(std::move(r));
  }
  if (!metrics_file.empty()) write_metrics(metrics_file, metrics_text(results, now));
  return drift ? 1 : 0;
}

}  // namespace dkim::admin
