// SPDX-License-Identifier: MIT
#include "filter/dkim/header_picker.h"

#include <algorithm>
#include <unordered_map>

#include "filter/mail/ascii.h"

namespace dkim {
namespace {

/// Each field name's instances, bottom-up (RFC 6376 §5.4.2), by lower-cased
/// name. Built in one pass, so choosing and pairing cost one lookup per h=
/// entry instead of a scan of the header per entry.
using FieldIndex = std::unordered_map<std::string, std::vector<const mail::HeaderField*>>;

FieldIndex index_fields(const std::vector<mail::HeaderField>& fields) {
  FieldIndex index;
  for (auto it = fields.rbegin(); it != fields.rend(); ++it)
    index[mail::ascii_lower(it->name)].push_back(&*it);
  return index;
}

const std::vector<const mail::HeaderField*>& instances(const FieldIndex& index, const std::string& name) {
  static const std::vector<const mail::HeaderField*> kNone;
  auto it = index.find(name);
  return it == index.end() ? kNone : it->second;
}

}  // namespace

const std::vector<std::string>& default_signed_headers() {
  static const std::vector<std::string> kList = {"from",         "date",
                                                 "subject",      "reply-to",
                                                 "sender",       "to",
                                                 "cc",           "bcc",
                                                 "message-id",   "in-reply-to",
                                                 "references",   "content-type",
                                                 "mime-version", "content-transfer-encoding"};
  return kList;
}

bool is_over_signed(std::string_view name, std::size_t present) {
  static constexpr std::string_view kWhenPresent[] = {
      "subject",      "to",           "cc",
      "reply-to",     "date",         "message-id",
      "content-type", "mime-version", "content-transfer-encoding"};
  if (name == "from") return true;
  return present > 0 &&
         std::find(std::begin(kWhenPresent), std::end(kWhenPresent), name) != std::end(kWhenPresent);
}

std::vector<const mail::HeaderField*> match_headers(const std::vector<mail::HeaderField>& fields,
                                                    const std::vector<std::string>& names) {
  FieldIndex index = index_fields(fields);
  std::unordered_map<std::string, std::size_t> used;  // instances taken so far, per name
  std::vector<const mail::HeaderField*> out;
  out.reserve(names.size());
  for (const auto& raw_name : names) {
    std::string name = mail::ascii_lower(raw_name);
    const auto& found = instances(index, name);
    std::size_t next = used[name]++;
    out.push_back(next < found.size() ? found[next] : nullptr);
  }
  return out;
}

PickedHeaders pick_headers(const std::vector<mail::HeaderField>& fields,
                           const std::vector<std::string>& wanted) {
  FieldIndex index = index_fields(fields);
  PickedHeaders picked;
  std::vector<std::string> seen;
  for (const auto& raw_name : wanted) {
    std::string name = mail::ascii_lower(raw_name);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    const auto& found = instances(index, name);
    std::size_t listed = std::min(found.size(), kMaxListedPerName);
    picked.names.insert(picked.names.end(), listed, name);
    picked.fields.insert(picked.fields.end(), found.begin(),
                         found.begin() + static_cast<std::ptrdiff_t>(listed));
    if (is_over_signed(name, found.size()) && found.size() < kMaxListedPerName) {
      picked.names.push_back(name);
      picked.fields.push_back(nullptr);  // hashes as the null string (§5.4)
    }
  }
  return picked;
}

}  // namespace dkim
