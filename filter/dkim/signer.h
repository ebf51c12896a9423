// SPDX-License-Identifier: MIT
// Signing (RFC 6376 §5): body hash, header hash, signature, in that order,
// over a message that streams through.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/crypto/key.h"
#include "filter/crypto/sha256.h"
#include "filter/crypto/sha256_pipeline.h"
#include "filter/dkim/canonicalize.h"
#include "filter/dkim/signature.h"
#include "filter/mail/header_block.h"

namespace dkim {

/// bh= (RFC 6376 §3.7 step 1): canonicalize the body as it streams and hash.
/// A body past `thread_threshold` bytes is hashed on a second thread
/// while the rest is read and canonicalized (Sha256Pipeline).
class BodyHasher {
 public:
  explicit BodyHasher(Canon canon, std::size_t thread_threshold = crypto::Sha256Pipeline::kDefaultThreshold);
  BodyHasher(BodyHasher&&) = delete;  // the canonicalizer's sink points at hash_
  void update(const char* data, std::size_t size) { canon_.update(data, size); }
  void update(std::string_view data) { canon_.update(data); }
  /// Ends the body; returns the base64 body hash. Call once.
  std::string finish();

 private:
  crypto::Sha256Pipeline hash_;
  BodyCanonicalizer canon_;
};

struct SignerOptions {
  std::string domain;    ///< d=
  std::string selector;  ///< s=
  Canonicalization canon;
  long long timestamp = 0;                ///< t=
  std::optional<long long> expiry;        ///< x=
  std::vector<std::string> headers = {};  ///< names to sign; empty: the default list
};

/// The header hash (RFC 6376 §3.7 step 2): the picked fields, each
/// canonicalized with its CRLF, then the DKIM-Signature field with an empty
/// b= value and without its final CRLF.
crypto::Sha256Digest header_hash(Canon canon, const std::vector<const mail::HeaderField*>& picked,
                                 std::string_view signature_field_without_b);

/// Produces the DKIM-Signature field (ending in `eol`) for a message whose
/// header fields are `fields` and whose body hash is `body_hash`.
std::string sign_message(const crypto::PrivateKey& key, const SignerOptions& options,
                         const std::vector<mail::HeaderField>& fields, std::string_view body_hash,
                         std::string_view eol);

/// Checks a signature field we produced against the message it is for: the
/// bh= equals `body_hash` and b= verifies with `key` over the header fields
/// listed in h=, before the message leaves (dkim-filter(8) "SIGNATURES":
/// every signature is verified against the stored public key). It catches
/// a damaged or mismatched key and a signer that hashes other fields than
/// it lists; it shares the canonicalizer with the signer, so it cannot
/// catch a canonicalization bug: the interop suite (tests/interop) does,
/// with independent verifiers.
bool verify_signature_field(std::string_view field, const std::vector<mail::HeaderField>& fields,
                            std::string_view body_hash, const crypto::PublicKey& key);

}  // namespace dkim
