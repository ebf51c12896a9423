// SPDX-License-Identifier: MIT
#include "filter/dkim/signer.h"

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/dkim/header_picker.h"
#include "filter/dkim/tag_list.h"

namespace dkim {
namespace {

std::string_view digest_view(const crypto::Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Removes the value of the b= tag from a raw field, keeping everything else
// (RFC 6376 §3.7: "the value of the b= tag ... deleted"), whitespace around
// the value included; a final line end is the field's own and stays. An
// absent b= leaves the field unchanged.
std::string strip_b_value(std::string_view field) {
  auto colon = field.find(':');
  std::string_view value = colon == std::string_view::npos ? field : field.substr(colon + 1);
  for (const TagSpec& spec : split_tag_list(value)) {
    if (!spec.has_equals() || spec.name != "b") continue;
    std::string_view cut = spec.raw.substr(spec.raw.find('=') + 1);
    if (cut.data() + cut.size() == value.data() + value.size())  // the last spec: keep the line end
      while (!cut.empty() && (cut.back() == '\n' || cut.back() == '\r')) cut.remove_suffix(1);
    std::size_t begin = static_cast<std::size_t>(cut.data() - field.data());
    return std::string(field.substr(0, begin)) + std::string(field.substr(begin + cut.size()));
  }
  return std::string(field);
}

}  // namespace

BodyHasher::BodyHasher(Canon canon, std::size_t thread_threshold)
    : hash_(thread_threshold), canon_(canon, [this](std::string_view s) { hash_.update(s); }) {}

std::string BodyHasher::finish() {
  canon_.finish();
  auto digest = hash_.finish();
  return crypto::base64_encode(digest_view(digest));
}

crypto::Sha256Digest header_hash(Canon canon, const std::vector<const mail::HeaderField*>& picked,
                                 std::string_view signature_field_without_b) {
  crypto::Sha256 hash;
  std::string canonical;
  for (const auto* field : picked) {
    if (!field) continue;  // over-signed name: nothing is hashed
    canonical.clear();
    canonicalize_header(canon, field->raw, canonical);
    hash.update(canonical);
  }
  canonical.clear();
  canonicalize_header(canon, signature_field_without_b, canonical);
  canonical.resize(canonical.size() - 2);  // "...without a trailing CRLF"
  hash.update(canonical);
  return hash.finish();
}

std::string sign_message(const crypto::PrivateKey& key, const SignerOptions& options,
                         const std::vector<mail::HeaderField>& fields, std::string_view body_hash,
                         std::string_view eol) {
  PickedHeaders picked =
      pick_headers(fields, options.headers.empty() ? default_signed_headers() : options.headers);
  SignatureTags tags;
  tags.algorithm = std::string(crypto::algorithm_name(key.type()));
  tags.canon = options.canon;
  tags.domain = options.domain;
  tags.selector = options.selector;
  tags.timestamp = options.timestamp;
  tags.expiry = options.expiry;
  tags.headers = picked.names;
  tags.body_hash = std::string(body_hash);
  std::string unsigned_field = write_signature_field(tags, "", eol);
  auto digest = header_hash(options.canon.header, picked.fields, unsigned_field);
  std::string b = crypto::base64_encode(key.sign_digest(digest));
  return write_signature_field(tags, b, eol);
}

bool verify_signature_field(std::string_view field, const std::vector<mail::HeaderField>& fields,
                            std::string_view body_hash, const crypto::PublicKey& key) {
  auto colon = field.find(':');
  if (colon == std::string_view::npos) return false;
  SignatureFieldTags tags = parse_signature_field(field.substr(colon + 1));
  auto canon = parse_canonicalization(tags.canon ? *tags.canon : "simple/simple");
  if (!tags.body_hash || !tags.signature || !tags.has_headers || !canon || *tags.body_hash != body_hash)
    return false;
  auto signature = crypto::base64_decode(*tags.signature);
  if (!signature) return false;
  auto digest = header_hash(canon->header, match_headers(fields, tags.headers), strip_b_value(field));
  return key.verify_digest(digest, *signature);
}

}  // namespace dkim
