// SPDX-License-Identifier: MIT
#include "filter/dkim/signer.h"

#include "filter/crypto/base64.h"
#include "filter/dkim/error.h"
#include "filter/dkim/header_picker.h"

namespace dkim {
namespace {

std::string_view digest_view(const crypto::Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Removes the value of the b= tag from a raw field, keeping everything else
// (RFC 6376 §3.7: "the value of the b= tag ... deleted"). Returns npos-free
// text; an absent b= leaves the field unchanged.
std::string strip_b_value(std::string_view field) {
  auto colon = field.find(':');
  std::size_t pos = colon == std::string_view::npos ? 0 : colon + 1;
  while (pos < field.size()) {
    std::size_t semi = field.find(';', pos);
    std::size_t end = semi == std::string_view::npos ? field.size() : semi;
    std::size_t eq = field.find('=', pos);
    if (eq != std::string_view::npos && eq < end) {
      std::string_view name = field.substr(pos, eq - pos);
      while (!name.empty() &&
             (name.front() == ' ' || name.front() == '\t' || name.front() == '\r' || name.front() == '\n'))
        name.remove_prefix(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      if (name == "b") {
        // Keep a trailing line end: it is the field's own, not the value's.
        std::size_t value_end = end;
        if (semi == std::string_view::npos) {
          while (value_end > eq + 1 && (field[value_end - 1] == '\n' || field[value_end - 1] == '\r'))
            --value_end;
        }
        return std::string(field.substr(0, eq + 1)) + std::string(field.substr(value_end));
      }
    }
    pos = end + 1;
  }
  return std::string(field);
}

}  // namespace

BodyHasher::BodyHasher(Canon canon, std::size_t thread_threshold)
    : hash_(thread_threshold),
      canon_kind_(canon),
      canon_(canon, [this](std::string_view s) { hash_.update(s); }) {}

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

Signer::Signer(const crypto::PrivateKey& key, SignerOptions options)
    : key_(key), options_(std::move(options)), body_(options_.canon.body) {}

std::string Signer::finish(const std::vector<mail::HeaderField>& fields, std::string_view eol) {
  return sign_message(key_, options_, fields, body_.finish(), eol);
}

bool verify_signature_field(std::string_view field, const std::vector<mail::HeaderField>& fields,
                            std::string_view body_hash, const crypto::PublicKey& key) {
  auto colon = field.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view value = field.substr(colon + 1);
  auto bh = find_tag(value, "bh");
  auto b = find_tag(value, "b");
  auto h = find_tag(value, "h");
  auto c = find_tag(value, "c");
  auto canon = parse_canonicalization(c ? *c : "simple/simple");
  if (!bh || !b || !h || !canon || *bh != body_hash) return false;
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= h->size()) {
    auto next = h->find(':', start);
    names.push_back(h->substr(start, next == std::string::npos ? std::string::npos : next - start));
    if (next == std::string::npos) break;
    start = next + 1;
  }
  auto signature = crypto::base64_decode(*b);
  if (!signature) return false;
  auto digest = header_hash(canon->header, match_headers(fields, names), strip_b_value(field));
  return key.verify_digest(digest, *signature);
}

}  // namespace dkim
