// SPDX-License-Identifier: MIT
#include "filter/dkim/header_picker.h"

#include <map>

#include "filter/mail/ascii.h"

namespace dkim {
namespace {}  // namespace

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

std::vector<const mail::HeaderField*> match_headers(const std::vector<mail::HeaderField>& fields,
                                                    const std::vector<std::string>& names) {
  // For each name, the index (from the bottom) of the next instance to use.
  std::map<std::string, std::size_t> used;
  std::vector<const mail::HeaderField*> out;
  out.reserve(names.size());
  for (const auto& raw_name : names) {
    std::string name = mail::ascii_lower(raw_name);
    std::size_t skip = used[name]++;
    const mail::HeaderField* found = nullptr;
    for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
      if (!mail::same_name(it->name, name)) continue;
      if (skip == 0) {
        found = &*it;
        break;
      }
      --skip;
    }
    out.push_back(found);
  }
  return out;
}

PickedHeaders pick_headers(const std::vector<mail::HeaderField>& fields,
                           const std::vector<std::string>& wanted) {
  PickedHeaders picked;
  for (const auto& raw_name : wanted) {
    std::string name = mail::ascii_lower(raw_name);
    std::size_t count = 0;
    for (const auto& f : fields)
      if (mail::same_name(f.name, name)) ++count;
    if (name == "from") ++count;  // DESIGN.md: From is over-signed
    picked.names.insert(picked.names.end(), count, name);
  }
  picked.fields = match_headers(fields, picked.names);
  return picked;
}

}  // namespace dkim
