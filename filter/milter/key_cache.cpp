// SPDX-License-Identifier: MIT
#include "filter/milter/key_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "filter/base/error.h"
#include "filter/crypto/sha256.h"

namespace dkim::milter {
namespace {

crypto::Sha256Digest row_digest(const db::KeyRecord& record) {
  crypto::Sha256 h;
  h.update(record.selector);
  h.update(std::string_view("\0", 1));
  h.update(record.private_pem);
  h.update(std::string_view("\0", 1));
  h.update(record.canon);
  h.update(std::string_view("\0", 1));
  h.update(record.public_key);
  return h.finish();
}

std::string key_name(const policy::KeyRef& ref) { return ref.selector + "._domainkey." + ref.domain; }

}  // namespace

KeyCache::KeyCache(std::string db_path, long long max_staleness, std::size_t max_keys,
                   std::function<long long()> clock)
    : path_(std::move(db_path)),
      max_keys_(max_keys),
      max_staleness_(max_staleness),
      clock_(clock ? std::move(clock) : [] { return static_cast<long long>(std::time(nullptr)); }) {}

KeyCache::Stats KeyCache::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::optional<KeyCache::FileState> KeyCache::file_state() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return std::nullopt;
  auto ns = [](const timespec& t) { return static_cast<long long>(t.tv_sec) * 1'000'000'000LL + t.tv_nsec; };
  return FileState{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim)};
}

// Reopens on a different file, invalidates on a commit by someone else.
void KeyCache::refresh() {
  auto now = file_state();
  if (!store_ || !now || !(*now == file_)) {
    store_.reset();
    // open_reader names the problem (missing, mode, schema) in its error.
    store_.emplace(db::KeyStore::open_reader(path_));
    file_ = now ? *now : FileState{};
    data_version_ = store_->data_version();
    replica_confirmed_ = store_->replica_confirmed();
    ++generation_;
    ++stats_.opens;
    return;
  }
  long long version = store_->data_version();
  if (version != data_version_) {
    data_version_ = version;
    replica_confirmed_ = store_->replica_confirmed();
    ++generation_;
    ++stats_.reloads;
  }
}

std::shared_ptr<const LoadedKey> KeyCache::key_for(const policy::KeyRef& ref) {
  auto slot = std::make_pair(ref.domain, ref.selector);
  auto it = entries_.find(slot);
  if (it != entries_.end() && it->second.generation == generation_) {
    ++stats_.reuses;
    return it->second.key;
  }
  // ref.selector names a slot; its active key signs (find_signing_key).
  auto record = store_->find_signing_key(ref.domain, ref.selector);
  if (!record) return nullptr;  // deleted or retired since decide() saw it
  auto digest = row_digest(*record);
  if (it != entries_.end() && it->second.key->row_digest == digest) {
    crypto::cleanse(record->private_pem);
    it->second.generation = generation_;
    ++stats_.reuses;
    return it->second.key;
  }
  auto canon = parse_canonicalization(record->canon);
  if (!canon) {
    crypto::cleanse(record->private_pem);
    throw Error(ErrorKind::temporary, "keystore: key " + key_name(ref) + " has an unknown c= value");
  }
  std::shared_ptr<const LoadedKey> loaded;
  try {
    auto key = crypto::PrivateKey::from_pem(record->private_pem);
    crypto::cleanse(record->private_pem);
    if (record->public_key.empty()) throw Error(ErrorKind::config, "no public key stored with it");
    auto published = crypto::PublicKey::from_dns_value(key.type(), record->public_key);
    // A damaged private key (one changed byte of an Ed25519 seed) is a
    // different, self-consistent key: only the stored public key tells.
    if (!key.matches(published))
      throw Error(ErrorKind::config, "the private key does not match the stored public key (damaged?)");
    loaded = std::make_shared<const LoadedKey>(
        LoadedKey{record->selector, std::move(key), std::move(published), *canon, digest});
  } catch (const Error& e) {
    crypto::cleanse(record->private_pem);
    // dkim-filter(8): "key unusable" is transient, the MTA keeps the message.
    throw Error(ErrorKind::temporary, "keystore: key " + key_name(ref) + " unusable: " + e.what());
  }
  ++stats_.parses;
  if (entries_.size() >= max_keys_) {
    // Stale entries first; if all are current, start over. Messages in
    // flight keep their keys through their own references.
    for (auto e = entries_.begin(); e != entries_.end();)
      e = e->second.generation != generation_ ? entries_.erase(e) : std::next(e);
    if (entries_.size() >= max_keys_) entries_.clear();
  }
  entries_[slot] = Entry{generation_, loaded};
  return loaded;
}

KeyedDecision KeyCache::decide(const policy::Request& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Key rows pass through SQLite's page cache (has_key reads the keys
  // table, a miss reads the PEM): wipe it on the way out, whatever happens.
  struct ReleaseOnExit {
    std::optional<db::KeyStore>& store;
    ~ReleaseOnExit() {
      if (store) store->release_memory();
    }
  } release{store_};
  refresh();
  if (auto problem = db::replica_staleness_problem(path_, replica_confirmed_, clock_(), max_staleness_))
    throw Error(ErrorKind::config, *problem);
  // A key deleted between decide() and its lookup: decide again, on what
  // the database says now.
  for (int attempt = 0; attempt < 3; ++attempt) {
    KeyedDecision out;
    out.decision = policy::decide(request, *store_);
    if (!out.decision.sign) return out;
    bool complete = true;
    for (const auto& ref : out.decision.keys) {
      auto key = key_for(ref);
      if (!key) {
        complete = false;
        break;
      }
      out.keys.push_back(std::move(key));
    }
    if (complete) return out;
    refresh();
  }
  throw Error(ErrorKind::temporary, "keystore: keys keep vanishing while " + path_ + " changes");
}

}  // namespace dkim::milter
