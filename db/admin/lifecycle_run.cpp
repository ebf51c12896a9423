// SPDX-License-Identifier: MIT
// `lifecycle run`: the daily timer's idempotent pass over every key. Each
// step that is due is taken in its own transaction; one that fails is
// printed and counted, and the others still run. Running it twice with the
// same --now does nothing the second time.
#include <functional>
#include <set>

#include "db/admin/lifecycle.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

std::string key_text(const db::KeyRecord& k) { return k.selector + "._domainkey." + k.domain; }

// A pending key becomes active once every server has served its record
// for at least the record's TTL: by then no resolver can still hold an
// answer from before it was published. The first time every server served
// it is kept in the database (dns_seen), so the wait spans runs.
void pending_step(Lifecycle& lc, db::KeyRecord key) {
  if (lc.publisher.enabled() && key.published == 0) {  // rotated before dns-update was set
    publish(lc, key);
    key = require_key(lc.store, key.domain, key.selector);
  }
  Served s = served(lc, key);
  if (!s.everywhere) {
    std::string why;
    for (const auto& line : s.lines) why += (why.empty() ? "" : "; ") + line;
    if (key.dns_seen) {
      key.dns_seen = 0;
      lc.store.transaction([&] { lc.store.update_lifecycle(key); });
    }
    note(lc, "waiting: " + key_text(key) + " is not served by every server (" + why + ")");
    return;
  }
  if (!key.dns_seen) {
    key.dns_seen = lc.now;
    lc.store.transaction([&] { lc.store.update_lifecycle(key); });
    note(lc, "served: " + key_text(key) + " by every server; activation after its TTL (" +
                 std::to_string(s.ttl) + " s)");
  }
  if (lc.now - key.dns_seen >= static_cast<long long>(s.ttl))
    activate(lc, key, true);  // just verified above
  else
    note(lc, "waiting: " + key_text(key) + " has been served for " + std::to_string(lc.now - key.dns_seen) +
                 " s of its TTL " + std::to_string(s.ttl) + " s");
}

void key_step(Lifecycle& lc, const db::KeyRecord& listed) {
  db::KeyRecord key = require_key(lc.store, listed.domain, listed.selector);
  switch (key.state) {
    case db::KeyState::pending:
      pending_step(lc, key);
      break;
    case db::KeyState::retired:
      if (lc.now - key.retired >= lc.config.retire_after) revoke(lc, key, false);
      break;
    case db::KeyState::revoked:
      if (lc.now - key.revoked >= lc.config.delete_after) remove(lc, key, false);
      break;
    case db::KeyState::active:
      break;
  }
  crypto::cleanse(key.private_pem);
}

// rotate-every: a slot whose active key is older than its domain's
// period, and that has no pending key yet, starts its next rotation.
std::vector<RotateRequest> due_rotations(Lifecycle& lc) {
  std::vector<RotateRequest> due;
  if (lc.config.rotate_every <= 0 && lc.config.rotate_every_domain.empty()) return due;
  auto keys = lc.store.list_keys();
  std::set<std::pair<std::string, std::string>> pending;
  for (const auto& k : keys)
    if (k.state == db::KeyState::pending) pending.insert({k.domain, k.slot});
  for (const auto& k : keys) {
    if (k.state != db::KeyState::active || pending.count({k.domain, k.slot})) continue;
    long long period = lc.config.rotation_period(k.domain);
    if (period <= 0 || lc.now - k.activated < period) continue;
    RotateRequest r;
    r.domain = k.domain;
    r.slot = k.slot;
    due.push_back(r);
  }
  return due;
}

}  // namespace

int run(Lifecycle& lc) {
  int failed = 0;
  auto step = [&](const std::string& what, const std::function<void()>& body) {
    try {
      body();
    } catch (const Error& e) {
      ++failed;
      note(lc, "failed: " + what + ": " + e.what());
    }
  };
  for (const auto& key : lc.store.list_keys()) step(key_text(key), [&] { key_step(lc, key); });
  for (const auto& r : due_rotations(lc))
    step("rotation of slot " + r.slot + " of " + r.domain, [&] { rotate(lc, r); });
  note(lc, failed ? "lifecycle: " + std::to_string(failed) + " step(s) failed" : "lifecycle: done");
  return failed;
}

}  // namespace dkim::admin
