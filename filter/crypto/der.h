// SPDX-License-Identifier: MIT
// Just enough DER (X.690) and PEM (RFC 7468) to decode the two private key
// forms DKIM keys come in, without OpenSSL's generic decoder chain, which
// costs more per message than the RSA signature itself.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dkim::crypto {

/// One PEM block: its label ("RSA PRIVATE KEY", "PRIVATE KEY", ...) and the
/// decoded DER bytes.
struct PemBlock {
  std::string label;
  std::string der;
};

/// The first PEM block of `text`, or nullopt when there is none or its
/// base64 is broken.
std::optional<PemBlock> read_pem(std::string_view text);

/// A cursor over DER-encoded data.
class DerReader {
 public:
  explicit DerReader(std::string_view data) : data_(data) {}
  /// Reads one element with tag `tag` and returns its contents; nullopt (and
  /// the reader stays put) when the next element is something else or
  /// malformed.
  std::optional<std::string_view> read(unsigned char tag);
  bool at_end() const { return data_.empty(); }

 private:
  std::string_view data_;
};

namespace der_tag {
constexpr unsigned char kInteger = 0x02;
constexpr unsigned char kBitString = 0x03;
constexpr unsigned char kOctetString = 0x04;
constexpr unsigned char kOid = 0x06;
constexpr unsigned char kSequence = 0x30;
}  // namespace der_tag

/// The nine INTEGERs of a PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), big-endian
/// magnitudes: version, n, e, d, p, q, dP, dQ, qInv. nullopt when malformed
/// or multi-prime.
std::optional<std::vector<std::string_view>> read_rsa_private_key(std::string_view der);

/// A PKCS#8 PrivateKeyInfo (RFC 5208): the algorithm OID's DER contents and
/// the privateKey octets.
struct Pkcs8 {
  std::string_view algorithm_oid;
  std::string_view private_key;
};
std::optional<Pkcs8> read_pkcs8(std::string_view der);

/// An RSA SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279 §2.3.1), as in
/// a DKIM record's p= (RFC 6376 §3.6.1): the modulus and exponent
/// magnitudes. nullopt for anything else (another algorithm, malformed).
struct RsaPublicNumbers {
  std::string_view n, e;
};
std::optional<RsaPublicNumbers> read_rsa_spki(std::string_view der);

}  // namespace dkim::crypto
