// SPDX-License-Identifier: MIT
#include "db/dns_record.h"

#include <cctype>
#include <map>
#include <optional>

#include "filter/crypto/base64.h"
#include "filter/dkim/error.h"

namespace dkim::db {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_tag_name(std::string_view name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// RFC 6376 §3.2 tag-list. nullopt (with `why`) when it is not one.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_tag_list(std::string_view text,
                                                                               std::string& why) {
  std::vector<std::pair<std::string, std::string>> tags;
  size_t start = 0;
  while (start <= text.size()) {
    size_t semi = text.find(';', start);
    if (semi == std::string_view::npos) semi = text.size();
    std::string_view spec = trim(text.substr(start, semi - start));
    start = semi + 1;
    if (spec.empty()) continue;  // "a trailing semicolon" and empty specs are allowed
    size_t eq = spec.find('=');
    std::string_view name = eq == std::string_view::npos ? spec : trim(spec.substr(0, eq));
    if (eq == std::string_view::npos || !valid_tag_name(name)) {
      why = "'" + std::string(spec.substr(0, 20)) + "' is not a tag=value pair";
      return std::nullopt;
    }
    for (const auto& t : tags)
      if (t.first == name) {
        why = "tag " + std::string(name) + "= appears twice";  // §3.2 "MUST be treated as invalid"
        return std::nullopt;
      }
    tags.emplace_back(std::string(name), std::string(trim(spec.substr(eq + 1))));
  }
  return tags;
}

RecordCheck check_one(const std::string& record, const crypto::PublicKey& expected) {
  std::string why;
  auto tags = parse_tag_list(record, why);
  if (!tags) return {RecordStatus::malformed, "record is not a tag list: " + why};
  std::map<std::string, std::string> t(tags->begin(), tags->end());
  // §3.6.1: v= "MUST be the first tag in the record" when present.
  if (t.count("v") && (tags->front().first != "v" || t["v"] != "DKIM1"))
    return {RecordStatus::malformed, "v= must be the first tag and equal DKIM1"};
  if (!t.count("p")) return {RecordStatus::malformed, "record has no p= tag"};
  std::string k = t.count("k") ? t["k"] : "rsa";
  if (k != "rsa" && k != "ed25519") return {RecordStatus::malformed, "unknown key type k=" + k};
  if (t.count("h") && t["h"].find("sha256") == std::string::npos)
    return {RecordStatus::malformed, "h=" + t["h"] + " does not allow sha256"};
  std::string p;
  for (char c : t["p"])
    if (!is_wsp(c)) p += c;
  if (p.empty()) return {RecordStatus::different_key, "record revokes the key (empty p=)"};
  if (!crypto::base64_decode(p)) return {RecordStatus::malformed, "p= is not base64"};
  std::string expected_k(crypto::key_type_name(expected.type()));
  if (k != expected_k)
    return {RecordStatus::different_key, "record has k=" + k + ", the stored key is " + expected_k};
  try {
    auto published = crypto::PublicKey::from_dns_value(expected.type(), p);
    if (published.dns_value() == expected.dns_value())
      return {RecordStatus::match, "record matches the stored key"};
  } catch (const Error&) {
    return {RecordStatus::malformed, "p= is not a valid " + k + " public key"};
  }
  return {RecordStatus::different_key, "record publishes a different key (stale record?)"};
}

}  // namespace

std::string dns_record_name(std::string_view domain, std::string_view selector) {
  return std::string(selector) + "._domainkey." + std::string(domain);
}

std::string dns_record_value(const crypto::PublicKey& key) {
  return "v=DKIM1; k=" + std::string(crypto::key_type_name(key.type())) + "; p=" + key.dns_value();
}

std::vector<std::string> split_txt_strings(std::string_view value, size_t max) {
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); i += max) out.emplace_back(value.substr(i, max));
  if (out.empty()) out.emplace_back();
  return out;
}

std::string zone_line(std::string_view name, std::string_view value) {
  std::string line = std::string(name) + ". IN TXT";
  // The value has no '"' or '\\' (tags, base64), so no escaping is needed.
  for (const auto& part : split_txt_strings(value)) line += " \"" + part + "\"";
  return line;
}

RecordCheck check_records(const std::vector<std::string>& txt_records, const crypto::PublicKey& expected) {
  if (txt_records.empty()) return {RecordStatus::no_record, "no TXT record at this name"};
  std::optional<RecordCheck> best;
  for (const auto& record : txt_records) {
    RecordCheck r = check_one(record, expected);
    if (r.status == RecordStatus::match) return r;
    // A DKIM record with another key says more than an unrelated TXT record.
    if (!best || (r.status == RecordStatus::different_key && best->status != RecordStatus::different_key))
      best = r;
  }
  if (txt_records.size() > 1)
    best->detail += " (" + std::to_string(txt_records.size()) + " TXT records at this name)";
  return *best;
}

}  // namespace dkim::db
