// SPDX-License-Identifier: MIT
// Which signatures a message gets: from an explicit key (--key) or from the
// key database and the signing rules (dkim-filter(8), SIGNING RULES).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "filter/app/log_line.h"
#include "filter/app/options.h"
#include "filter/crypto/key.h"
#include "filter/dkim/signer.h"
#include "filter/mail/header_block.h"

namespace dkim::app {

struct PlannedSignature {
  crypto::PrivateKey key;
  SignerOptions options;
  /// What the signature is verified against before the message leaves:
  /// the public key as published (stored beside the private key), or, for
  /// --key, the one derived from it.
  crypto::PublicKey published;
};

struct Plan {
  std::vector<PlannedSignature> signatures;  ///< empty: pass on unsigned
  std::string reason;                        ///< why (not) signed, for the log
};

class Planner {
 public:
  virtual ~Planner() = default;
  /// Decides for one message. Throws dkim::Error for configuration or
  /// transient failures (the caller applies --on-error).
  virtual Plan plan(const mail::HeaderBlock& headers, LogLine& log) = 0;
};

/// --key FILE -d DOMAIN -s SELECTOR: loads the key now, before any input is
/// read, so a bad key is reported before the message is touched.
std::unique_ptr<Planner> make_explicit_key_planner(const Options& options, long long now);

/// The database and the seven rules.
std::unique_ptr<Planner> make_database_planner(const Options& options, long long now);

}  // namespace dkim::app
