// SPDX-License-Identifier: MIT
// What dkim-filter-web parses of its own, on hostile bytes: request
// targets (RFC 9112 §3.2.1), form bodies, Cookie headers (RFC 6265 §5.4)
// and JSON bodies (RFC 8259, through the parser and the flags the API
// uses, and web/json_body.h's readers of every field the API takes). None
// may crash; only the readers throw, and only dkim::Error(usage) (a 400);
// decoding inverts encoding; escaped HTML holds no markup; a JSON value
// that parses re-serialises and parses to the same value.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "filter/base/error.h"
#include "fuzz_check.h"
#include "web/form.h"
#include "web/json_body.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  auto target = dkim::web::parse_target(in);
  if (target.valid) {
    FUZZ_CHECK(!in.empty() && in.front() == '/', "a valid target is origin-form");
    for (const auto& s : target.segments)
      FUZZ_CHECK(s.find('\0') == std::string::npos, "no NUL in a segment");
  }
  for (const auto& [k, v] : dkim::web::parse_form(in)) {
    FUZZ_CHECK(!k.empty(), "form names are not empty");
    FUZZ_CHECK(k.find('\0') == std::string::npos && v.find('\0') == std::string::npos,
               "no NUL in a form item");
  }
  for (const auto& [k, v] : dkim::web::parse_cookies(in)) {
    FUZZ_CHECK(!k.empty() && k.find(';') == std::string::npos, "a cookie name is one item");
    FUZZ_CHECK(v.find(';') == std::string::npos, "a cookie value is one item");
  }
  auto decoded = dkim::web::url_decode(dkim::web::url_encode(in), false);
  FUZZ_CHECK(in.find('\0') != std::string_view::npos || (decoded && *decoded == in),
             "decode(encode(x)) == x");
  std::string html = dkim::web::html_escape(in);
  FUZZ_CHECK(html.find_first_of("<>\"'") == std::string::npos, "escaped HTML holds no markup");

  using nlohmann::json;
  json value = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!value.is_discarded()) {
    std::string again = value.dump(-1, ' ', false, json::error_handler_t::replace);
    json reparsed = json::parse(again, nullptr, false);
    FUZZ_CHECK(!reparsed.is_discarded(), "a dumped value parses");
  }
  // The API's field readers, on every field name it reads (keys, import,
  // rotate, activate/revoke, users).
  std::string body(in);
  for (bool optional : {false, true}) {
    try {
      json object = optional ? dkim::web::optional_body(body) : dkim::web::body_object(body);
      FUZZ_CHECK(object.is_object(), "a body is an object");
      for (const char* field : {"domain", "selector", "canon", "algorithm", "pem", "to", "user"}) {
        try {
          (void)dkim::web::opt_string(object, field);
        } catch (const dkim::Error& e) {
          FUZZ_CHECK(e.kind() == dkim::ErrorKind::usage, "a bad field is a usage error");
        }
      }
      for (const char* field : {"force", "urlencoded", "any_domain", "reauthenticating"}) {
        try {
          (void)dkim::web::opt_bool(object, field);
        } catch (const dkim::Error& e) {
          FUZZ_CHECK(e.kind() == dkim::ErrorKind::usage, "a bad field is a usage error");
        }
      }
      try {
        auto bits = dkim::web::opt_int(object, "bits");
        FUZZ_CHECK(!bits || (*bits >= 0 && *bits <= 1 << 20), "bits within 0 to 2^20");
      } catch (const dkim::Error& e) {
        FUZZ_CHECK(e.kind() == dkim::ErrorKind::usage, "a bad field is a usage error");
      }
    } catch (const dkim::Error& e) {
      FUZZ_CHECK(e.kind() == dkim::ErrorKind::usage, "a bad body is a usage error");
    }
  }
  return 0;
}
