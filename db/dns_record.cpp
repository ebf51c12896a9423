// SPDX-License-Identifier: MIT
#include "db/dns_record.h"

#include <algorithm>
#include <map>
#include <optional>

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/dkim/tag_list.h"

namespace dkim::db {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 6376 §3.6.1 s=: "a colon-separated list of service types to which
// this record applies. Verifiers for a given service type MUST ignore this
// record if the appropriate type is not listed"; "*" matches all.
bool applies_to_email(const std::map<std::string, std::string>& tags) {
  auto s = tags.find("s");
  if (s == tags.end()) return true;  // default "*"
  std::string_view list = s->second;
  size_t start = 0;
  while (start <= list.size()) {
    size_t colon = list.find(':', start);
    if (colon == std::string_view::npos) colon = list.size();
    std::string_view type = trim(list.substr(start, colon - start));
    if (type == "*" || type == "email") return true;
    start = colon + 1;
  }
  return false;
}

struct OneCheck {
  RecordCheck check;
  bool key_record = false;  ///< a DKIM key record an email verifier would consider
};

OneCheck check_one(const std::string& record, const crypto::PublicKey& expected) {
  std::string why;
  auto tags = parse_tag_list(record, &why);
  if (!tags) return {{RecordStatus::malformed, "record is not a tag list: " + why}};
  std::map<std::string, std::string> t(tags->begin(), tags->end());
  // §3.6.1: v= "MUST be the first tag in the record" when present.
  if (t.count("v") && (tags->front().first != "v" || t["v"] != "DKIM1"))
    return {{RecordStatus::malformed, "v= must be the first tag and equal DKIM1"}};
  if (!t.count("p")) return {{RecordStatus::malformed, "record has no p= tag"}, t.count("v") > 0};
  if (!applies_to_email(t))
    return {
        {RecordStatus::not_for_email,
         "record has s=" + t["s"] + ", which excludes email (RFC 6376 section 3.6.1: verifiers ignore it)"}};
  std::string k = t.count("k") ? t["k"] : "rsa";
  if (k != "rsa" && k != "ed25519") return {{RecordStatus::malformed, "unknown key type k=" + k}, true};
  if (t.count("h") && t["h"].find("sha256") == std::string::npos)
    return {{RecordStatus::malformed, "h=" + t["h"] + " does not allow sha256"}, true};
  std::string p;
  for (char c : t["p"])
    if (!is_wsp(c)) p += c;
  if (p.empty()) return {{RecordStatus::different_key, "record revokes the key (empty p=)"}, true};
  if (!crypto::base64_decode(p)) return {{RecordStatus::malformed, "p= is not base64"}, true};
  std::string expected_k(crypto::key_type_name(expected.type()));
  if (k != expected_k)
    return {{RecordStatus::different_key, "record has k=" + k + ", the stored key is " + expected_k}, true};
  try {
    auto published = crypto::PublicKey::from_dns_value(expected.type(), p);
    if (published.dns_value() == expected.dns_value())
      return {{RecordStatus::match, "record matches the stored key"}, true};
  } catch (const Error&) {
    return {{RecordStatus::malformed, "p= is not a valid " + k + " public key"}, true};
  }
  return {{RecordStatus::different_key, "record publishes a different key (stale record?)"}, true};
}

// Which failure says most when nothing matches: a DKIM record with another
// key, then one meant for other services, then anything malformed.
int rank(RecordStatus s) {
  switch (s) {
    case RecordStatus::different_key:
      return 3;
    case RecordStatus::not_for_email:
      return 2;
    default:
      return 1;
  }
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
  std::vector<std::string> distinct;
  for (const auto& r : txt_records)
    if (std::find(distinct.begin(), distinct.end(), r) == distinct.end()) distinct.push_back(r);
  std::optional<RecordCheck> match, best;
  int others = 0;  // DKIM key records that do not publish this key
  for (const auto& record : distinct) {
    OneCheck one = check_one(record, expected);
    if (one.check.status == RecordStatus::match) {
      match = one.check;
      continue;
    }
    if (one.key_record) ++others;
    if (!best || rank(one.check.status) > rank(best->status)) best = one.check;
  }
  // RFC 6376 §3.6.2.2: with several key records a verifier "can choose one
  // of the key records": whether it picks ours is undefined.
  if (match && others > 0)
    return {RecordStatus::ambiguous, std::to_string(others + 1) +
                                         " different DKIM records are published at this name and verifiers "
                                         "may use any of them (RFC 6376 section 3.6.2.2); remove all but the "
                                         "one with the stored key"};
  if (match) return *match;
  if (distinct.size() > 1)
    best->detail += " (" + std::to_string(distinct.size()) + " TXT records at this name)";
  return *best;
}

int record_exit_code(RecordStatus status) {
  switch (status) {
    case RecordStatus::match:
      return 0;
    case RecordStatus::different_key:
    case RecordStatus::ambiguous:
    case RecordStatus::not_for_email:
      return 1;
    case RecordStatus::no_record:
      return 2;
    case RecordStatus::malformed:
      return 3;
    case RecordStatus::dns_error:
      return 4;
  }
  return 4;
}

std::string_view record_status_words(RecordStatus status) {
  switch (status) {
    case RecordStatus::match:
      return "matches";
    case RecordStatus::different_key:
      return "different key";
    case RecordStatus::no_record:
      return "no record";
    case RecordStatus::malformed:
      return "malformed record";
    case RecordStatus::dns_error:
      return "DNS error";
    case RecordStatus::ambiguous:
      return "ambiguous";
    case RecordStatus::not_for_email:
      return "not for email";
  }
  return "DNS error";
}

RecordCheck check_answer(const dns::TxtAnswer& answer, const crypto::PublicKey& expected) {
  switch (answer.outcome) {
    case dns::TxtAnswer::Outcome::records:
      return check_records(answer.records, expected);
    case dns::TxtAnswer::Outcome::nxdomain:
      return {RecordStatus::no_record, "name does not exist (NXDOMAIN)"};
    case dns::TxtAnswer::Outcome::nodata:
      return {RecordStatus::no_record, "no TXT record at this name"};
    case dns::TxtAnswer::Outcome::error:
      break;
  }
  return {RecordStatus::dns_error, answer.error};
}

}  // namespace dkim::db
