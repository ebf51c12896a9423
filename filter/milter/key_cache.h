// SPDX-License-Identifier: MIT
// The milter's view of the key database: one read-only connection shared by
// every session, and the private keys parsed once and kept (in OpenSSL's
// secure heap when the daemon set one up) until the database changes.
//
// Before each message the file is checked: a different inode, size,
// modification or status change time (a restore that replaced the file, a
// chmod) reopens the connection, so the checks of opening (mode, schema)
// apply again; a different PRAGMA data_version (another process committed)
// marks every cached key stale. A stale key is looked up again and reused
// when its row is unchanged (same PEM digest and c=), parsed anew
// otherwise; keys dropped from the cache are wiped when the last message
// using them ends. No restart, and no message waits for a reload of every
// key: each message loads at most the keys it signs with.
//
// A cluster node's replica (dkim-filter-sync(8)) carries the time it was
// last confirmed current; it is read again whenever the file or its
// data_version changes (dkim-filter-sync's confirmation is a commit), so
// checking max-staleness per message costs a clock read.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/keystore.h"
#include "filter/crypto/key.h"
#include "filter/dkim/canonicalize.h"
#include "filter/policy/decide.h"

namespace dkim::milter {

struct LoadedKey {
  /// The key's own selector, the s= it signs with: users name the slot,
  /// whose active key may carry another selector after a rotation
  /// (dkim-filter-admin(8) "KEY LIFECYCLE").
  std::string selector;
  crypto::PrivateKey key;
  crypto::PublicKey public_key;  ///< as stored (published): what the self-check verifies against
  Canonicalization canon;
  crypto::Sha256Digest row_digest;  ///< of the PEM text, c= and public key, to spot a changed row
};

struct KeyedDecision {
  policy::Decision decision;
  /// One per decision.keys entry, same order, when decision.sign.
  std::vector<std::shared_ptr<const LoadedKey>> keys;
};

class KeyCache {
 public:
  /// Nothing is opened yet: the first message does (so a daemon started
  /// before `dkim-filter-admin init` defers mail instead of dying).
  /// `max_staleness`: seconds (dkim-filter-milter(8), max-staleness);
  /// `clock`: unix time now (injected by the tests).
  explicit KeyCache(std::string db_path, long long max_staleness = 3600, std::size_t max_keys = 4096,
                    std::function<long long()> clock = nullptr);

  /// The seven rules (policy::decide) against the database, and the keys
  /// they pick. Ordinary outcomes (unknown user, no key...) are answers in
  /// the decision; dkim::Error is thrown only when the database or a key
  /// cannot be used (missing, unsafe mode, locked, corrupt, bad PEM), and
  /// as ErrorKind::config when the database is a replica not confirmed
  /// current within max-staleness (db::replica_staleness_problem).
  KeyedDecision decide(const policy::Request& request);

  /// Counters for the log and the tests.
  struct Stats {
    std::uint64_t opens = 0, reloads = 0, parses = 0, reuses = 0;
  };
  Stats stats();

 private:
  struct FileState {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long long mtime_ns = 0, ctime_ns = 0;  // ctime: also a chmod or chown
    bool operator==(const FileState& o) const {
      return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns &&
             ctime_ns == o.ctime_ns;
    }
  };
  struct Entry {
    std::uint64_t generation = 0;
    std::shared_ptr<const LoadedKey> key;
  };

  void refresh();
  std::shared_ptr<const LoadedKey> key_for(const policy::KeyRef& ref);
  std::optional<FileState> file_state() const;

  std::mutex mutex_;
  std::string path_;
  std::size_t max_keys_;
  long long max_staleness_;
  std::function<long long()> clock_;
  std::optional<long long> replica_confirmed_;  // as of the last refresh
  std::optional<db::KeyStore> store_;
  FileState file_{};
  long long data_version_ = 0;
  std::uint64_t generation_ = 1;
  std::map<std::pair<std::string, std::string>, Entry> entries_;
  Stats stats_;
};

}  // namespace dkim::milter
