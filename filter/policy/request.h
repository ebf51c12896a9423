// SPDX-License-Identifier: MIT
// What the signing rules need to know of one message, read from its header
// section; shared by dkim-filter and dkim-filter-milter so both decide on
// exactly the same facts.
#pragma once
#include <string>

#include "filter/mail/header_block.h"
#include "filter/policy/decide.h"

namespace dkim::policy {

/// The request for decide(): the outgoing user's identifiers as the MTA
/// gave them, every From value (rule 3) and the d= of every DKIM-Signature
/// already present (rule 6; RFC 6376 §3.5), lower-cased.
Request make_request(std::string sasl_user, std::string client_ip, std::string default_user,
                     const mail::HeaderBlock& headers);

}  // namespace dkim::policy
