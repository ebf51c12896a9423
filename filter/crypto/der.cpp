// SPDX-License-Identifier: MIT
#include "filter/crypto/der.h"

#include "filter/crypto/base64.h"

namespace dkim::crypto {

std::optional<PemBlock> read_pem(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----";
  auto begin = text.find(kBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  auto label_start = begin + kBegin.size();
  auto label_end = text.find(kDashes, label_start);
  if (label_end == std::string_view::npos) return std::nullopt;
  PemBlock block;
  block.label = std::string(text.substr(label_start, label_end - label_start));
  std::string end_line = "-----END " + block.label + kDashes.data();
  auto body_start = label_end + kDashes.size();
  auto end = text.find(end_line, body_start);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view body = text.substr(body_start, end - body_start);
  if (body.find(':') != std::string_view::npos) return std::nullopt;  // RFC 1421 headers: encrypted
  auto der = base64_decode(body);
  if (!der || der->empty()) return std::nullopt;
  block.der = std::move(*der);
  return block;
}

std::optional<std::string_view> DerReader::read(unsigned char tag) {
  if (data_.size() < 2 || static_cast<unsigned char>(data_[0]) != tag) return std::nullopt;
  std::size_t pos = 1;
  std::size_t len = static_cast<unsigned char>(data_[pos++]);
  if (len & 0x80) {
    std::size_t count = len & 0x7f;
    if (count == 0 || count > 4 || data_.size() < pos + count) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < count; ++i) len = (len << 8) | static_cast<unsigned char>(data_[pos++]);
  }
  if (data_.size() - pos < len) return std::nullopt;
  std::string_view content = data_.substr(pos, len);
  data_.remove_prefix(pos + len);
  return content;
}

std::optional<std::vector<std::string_view>> read_rsa_private_key(std::string_view der) {
  DerReader outer(der);
  auto seq = outer.read(der_tag::kSequence);
  if (!seq || !outer.at_end()) return std::nullopt;
  DerReader fields(*seq);
  std::vector<std::string_view> out;
  for (int i = 0; i < 9; ++i) {
    auto v = fields.read(der_tag::kInteger);
    if (!v || v->empty()) return std::nullopt;
    out.push_back(*v);
  }
  // version 0 is two-prime; anything else (multi-prime) goes the slow way.
  if (out[0] != std::string_view("\0", 1) || !fields.at_end()) return std::nullopt;
  return out;
}

std::optional<Pkcs8> read_pkcs8(std::string_view der) {
  DerReader outer(der);
  auto seq = outer.read(der_tag::kSequence);
  if (!seq || !outer.at_end()) return std::nullopt;
  DerReader info(*seq);
  auto version = info.read(der_tag::kInteger);
  auto algorithm = info.read(der_tag::kSequence);
  auto key = info.read(der_tag::kOctetString);
  if (!version || !algorithm || !key) return std::nullopt;  // attributes may follow
  DerReader alg(*algorithm);
  auto oid = alg.read(der_tag::kOid);
  if (!oid) return std::nullopt;
  return Pkcs8{*oid, *key};
}

std::optional<RsaPublicNumbers> read_rsa_spki(std::string_view der) {
  static constexpr std::string_view kRsaOid("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
  DerReader outer(der);
  auto seq = outer.read(der_tag::kSequence);
  if (!seq || !outer.at_end()) return std::nullopt;
  DerReader info(*seq);
  auto algorithm = info.read(der_tag::kSequence);
  auto bits = info.read(der_tag::kBitString);
  if (!algorithm || !bits || !info.at_end() || bits->empty() || (*bits)[0] != '\0') return std::nullopt;
  DerReader alg(*algorithm);
  auto oid = alg.read(der_tag::kOid);
  if (!oid || *oid != kRsaOid) return std::nullopt;
  DerReader key_outer(bits->substr(1));
  auto key = key_outer.read(der_tag::kSequence);
  if (!key || !key_outer.at_end()) return std::nullopt;
  DerReader numbers(*key);
  auto n = numbers.read(der_tag::kInteger);
  auto e = numbers.read(der_tag::kInteger);
  if (!n || !e || !numbers.at_end() || n->empty() || e->empty()) return std::nullopt;
  return RsaPublicNumbers{*n, *e};
}

}  // namespace dkim::crypto
