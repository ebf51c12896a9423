// SPDX-License-Identifier: MIT
// Database mode: the key database and the signing rules (dkim-filter(8),
// SIGNING RULES) pick the keys.
#include <algorithm>
#include <optional>

#include "db/keystore.h"
#include "filter/app/plan.h"
#include "filter/base/error.h"
#include "filter/dkim/signature.h"
#include "filter/dkim/tag_list.h"
#include "filter/mail/ascii.h"
#include "filter/policy/decide.h"
#include "filter/policy/request.h"

namespace dkim::app {
namespace {

class DatabasePlanner : public Planner {
 public:
  DatabasePlanner(const Options& o, long long now)
      : o_(o),
        now_(now),
        store_(db::KeyStore::open_reader(o.db_path.empty() ? db::default_db_path() : o.db_path)) {
    check_staleness();
  }

  Plan plan(const mail::HeaderBlock& headers, LogLine& log) override {
    // Deciding and loading the keys in one read transaction: a key that
    // decide() found cannot be deleted before it is loaded.
    Plan p;
    store_->read_transaction([&] { p = plan_in_transaction(headers, log); });
    // Done with the database: closing it frees (and wipes) SQLite's cached
    // key rows before the body streams in.
    store_.reset();
    return p;
  }

 private:
  Plan plan_in_transaction(const mail::HeaderBlock& headers, LogLine& log) {
    policy::Decision d =
        policy::decide(policy::make_request(o_.sasl_user, o_.client_ip, o_.default_user, headers), *store_);
    log.set("user", d.user);
    log.set("domain", d.from_domain);
    // Skipped selectors are logged as stored; LogLine quotes and escapes
    // them, so a line break in a hostile row cannot forge a log line either.
    std::string bad;
    for (const auto& s : d.bad_selectors) bad += (bad.empty() ? "" : ",") + s;
    if (!bad.empty()) log.set("bad_selector", bad);
    Plan p;
    p.reason = d.reason;
    if (!d.sign) return p;
    for (const auto& ref : d.keys) p.signatures.push_back(load(ref));
    return p;
  }

  // A replica not confirmed current within max-staleness: a configuration
  // problem (deferred, or unsigned with --on-error pass).
  void check_staleness() {
    if (auto problem = db::replica_staleness_problem(store_->path(), store_->replica_confirmed(), now_,
                                                     o_.max_staleness))
      throw Error(ErrorKind::config, *problem);
  }

  PlannedSignature load(const policy::KeyRef& ref) {
    // ref.selector names a slot; its active key signs, with its own
    // selector in s= (dkim-filter-admin(8) "KEY LIFECYCLE").
    auto record = store_->find_signing_key(ref.domain, ref.selector);
    if (!record)  // cannot happen inside the read transaction
      throw Error(ErrorKind::internal,
                  "keystore: key " + ref.selector + "._domainkey." + ref.domain + " vanished");
    auto canon = parse_canonicalization(record->canon);
    if (!canon)
      throw Error(ErrorKind::temporary, "keystore: key " + ref.selector + " has an unknown c= value");
    try {
      auto key = crypto::PrivateKey::from_pem(record->private_pem);
      crypto::cleanse(record->private_pem);
      if (record->public_key.empty()) throw Error(ErrorKind::config, "no public key stored with it");
      auto published = crypto::PublicKey::from_dns_value(key.type(), record->public_key);
      // A damaged private key (one changed byte of an Ed25519 seed) is a
      // different, self-consistent key: only the stored public key tells.
      if (!key.matches(published))
        throw Error(ErrorKind::config, "the private key does not match the stored public key (damaged?)");
      SignerOptions options;
      options.domain = ref.domain;
      options.selector = record->selector;
      options.canon = *canon;
      options.timestamp = now_;
      if (o_.expire_seconds > 0) options.expiry = now_ + o_.expire_seconds;
      return PlannedSignature{std::move(key), std::move(options), std::move(published)};
    } catch (const Error& e) {
      crypto::cleanse(record->private_pem);
      // A key that is unusable is transient: the MTA keeps the message.
      throw Error(ErrorKind::temporary,
                  "keystore: key " + ref.selector + "._domainkey." + ref.domain + " unusable: " + e.what());
    }
  }

  const Options& o_;
  long long now_;
  std::optional<db::KeyStore> store_;
};

}  // namespace

std::unique_ptr<Planner> make_database_planner(const Options& options, long long now) {
  return std::make_unique<DatabasePlanner>(options, now);
}

}  // namespace dkim::app
