// SPDX-License-Identifier: MIT
#include "filter/policy/request.h"

#include "filter/dkim/signature.h"
#include "filter/dkim/tag_list.h"
#include "filter/mail/ascii.h"

namespace dkim::policy {

Request make_request(std::string sasl_user, std::string client_ip, std::string default_user,
                     const mail::HeaderBlock& headers) {
  Request r;
  r.sasl_user = std::move(sasl_user);
  r.client_ip = std::move(client_ip);
  r.default_user = std::move(default_user);
  for (const auto& f : headers.fields) {
    if (mail::same_name(f.name, "From")) r.from_values.emplace_back(f.value());
    if (mail::same_name(f.name, kSignatureFieldName)) {
      if (auto d = parse_signature_field(f.value()).domain)
        r.existing_signature_domains.push_back(mail::ascii_lower(*d));
    }
  }
  return r;
}

}  // namespace dkim::policy
