// SPDX-License-Identifier: MIT
// Header fields between the milter protocol and the bytes on the wire.
//
// Postfix hands a milter each header field as a name and a value
// (src/milter/milter8.c, milter8_header): the name is the bytes before the
// colon (white space before the colon, obsolete syntax, is removed when the
// message is queued, src/global/mime_state.c, so it is never sent on
// either); the value is everything after the colon, its leading space
// included once SMFIP_HDR_LEADSPC is negotiated ("Sendmail by default eats
// one space (not tab) after the colon"), and a folded field's lines are
// joined by a bare LF. Postfix delivers each of those lines followed by
// CRLF. RFC 6376 §3.4 canonicalizes those delivered bytes, so the field is
// rebuilt exactly: name ":" value, every LF as CRLF, CRLF at the end.
#pragma once
#include <string>
#include <string_view>

namespace dkim::milter {

/// Appends the field as the MTA will transmit it (see above) to `out`.
void append_wire_field(std::string& out, std::string_view name, std::string_view value);

/// The value to pass to smfi_insheader(3) for a field we wrote
/// ("DKIM-Signature: v=1; ...", folded with CRLF, ending in CRLF): the bytes
/// after the colon with LF line ends and no final one. Postfix splits an
/// inserted value at LF into lines and ends each with CRLF on the wire
/// (src/cleanup/cleanup_out.c, cleanup_out_header); a CR left in it would go
/// out as CR CR LF. Postfix adds one space after the colon itself unless
/// SMFIP_HDR_LEADSPC was negotiated: then `keep_leading_space` is true and
/// the field's own space is kept. Either way the delivered field is `field`.
std::string insert_value(std::string_view field, bool keep_leading_space);

}  // namespace dkim::milter
