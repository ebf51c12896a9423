// SPDX-License-Identifier: MIT
// Whole-message signing: any input the filter would sign (a header section
// parse_header_block accepts, then a body) gets a signature that the
// filter's own self-check accepts. A mismatch here is a message that would
// be deferred forever (internal error) — or, without the self-check, a
// broken signature on the wire. Checks also that the message bytes are not
// needed in any other form: the field ends with the message's line end.
//
// Byte 0: canonicalization (bits 0-1), key type (bit 2), chunking seed.
#include <cstdint>
#include <string>

#include "filter/crypto/key.h"
#include "filter/dkim/signer.h"
#include "filter/mail/header_block.h"
#include "fuzz_check.h"

namespace {

// A fixed Ed25519 key (RFC 8463 §A.2) and a 1024-bit RSA key made once;
// key generation is not what is being fuzzed.
const dkim::crypto::PrivateKey& ed_key() {
  static const auto key = dkim::crypto::PrivateKey::from_pem(
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n");
  return key;
}
const dkim::crypto::PrivateKey& rsa_key() {
  static const auto key = dkim::crypto::PrivateKey::generate(dkim::crypto::KeyType::rsa, 1024);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t control = data[0];
  std::string message(fuzz::as_view(data + 1, size - 1));
  // Split as MessageInput does: the first empty line (LF or CRLF) ends the header.
  std::size_t header_end = message.size(), body_start = message.size();
  for (std::size_t pos = 0; pos < message.size();) {
    std::size_t nl = message.find('\n', pos);
    if (nl == std::string::npos) break;
    std::size_t len = nl + 1 - pos;
    if (len == 1 || (len == 2 && message[pos] == '\r')) {
      header_end = pos;
      body_start = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  std::string_view header = std::string_view(message).substr(0, header_end);
  std::string_view body = std::string_view(message).substr(body_start);
  auto block = dkim::mail::parse_header_block(header);
  if (!block.problem.empty()) return 0;

  dkim::SignerOptions options;
  options.domain = "example.com";
  options.selector = "fuzz";
  options.canon.header = (control & 1) ? dkim::Canon::relaxed : dkim::Canon::simple;
  options.canon.body = (control & 2) ? dkim::Canon::relaxed : dkim::Canon::simple;
  options.timestamp = 1700000000;
  const auto& key = (control & 4) ? rsa_key() : ed_key();

  dkim::BodyHasher hasher(options.canon.body);
  std::size_t step = 1 + (control >> 3);
  for (std::size_t pos = 0; pos < body.size(); pos += step) hasher.update(body.substr(pos, step));
  std::string bh = hasher.finish();
  FUZZ_CHECK(bh.size() == 44, "bh= is a base64 SHA-256");

  std::string field = dkim::sign_message(key, options, block.fields, bh, block.eol);
  FUZZ_CHECK(field.compare(field.size() - block.eol.size(), block.eol.size(), block.eol) == 0,
             "the signature uses the message's line end");
  FUZZ_CHECK(dkim::verify_signature_field(field, block.fields, bh, key.public_key()),
             "the self-check accepts every signature we make");
  return 0;
}
