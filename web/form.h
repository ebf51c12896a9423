// SPDX-License-Identifier: MIT
// What the daemon parses of its own besides JSON: the request target's
// path and query, application/x-www-form-urlencoded bodies (the HTML
// forms), and the Cookie header (RFC 6265 §5.4). Every function here takes
// untrusted bytes and never throws for bad input: it returns what it could
// read, and the callers refuse what is missing.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dkim::web {

/// %XX-decoding; '+' becomes a space only when `plus_is_space` (form
/// bodies and queries, not path segments). nullopt for a broken escape or
/// a NUL byte.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);

/// %XX-encoding of everything but unreserved characters (RFC 3986 §2.3).
std::string url_encode(std::string_view text);

/// "a=1&b=2" -> {a: 1, b: 2}; the first of repeated names wins; items that
/// do not decode are dropped.
std::map<std::string, std::string> parse_form(std::string_view text);

struct Target {
  std::vector<std::string> segments;  ///< the path split at '/', each decoded
  std::map<std::string, std::string> query;
  bool valid = true;  ///< false: not origin-form, or a segment that does not decode
};

/// RFC 9112 §3.2.1 origin-form: "/path?query".
Target parse_target(std::string_view target);

/// RFC 6265 §5.4: "a=1; b=2" -> {a: 1, b: 2}; the first of repeated names
/// wins, pairs without '=' are ignored.
std::map<std::string, std::string> parse_cookies(std::string_view header);

/// "a,b" from {a, b}.
std::string join_commas(const std::vector<std::string>& items);

/// HTML text with &, <, >, " and ' escaped.
std::string html_escape(std::string_view text);

}  // namespace dkim::web
