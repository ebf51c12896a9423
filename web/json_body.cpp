// SPDX-License-Identifier: MIT
#include "web/json_body.h"

#include "filter/base/error.h"

namespace dkim::web {

using nlohmann::json;

namespace {
[[noreturn]] void bad(const std::string& what) { throw Error(ErrorKind::usage, what); }
}  // namespace

json body_object(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) bad("the body is not valid JSON (RFC 8259)");
  if (!body.is_object()) bad("the body must be a JSON object");
  return body;
}

json optional_body(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  return body_object(text);
}

std::optional<std::string> opt_string(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(std::string(field) + " must be a string");
  return it->get<std::string>();
}

std::string need_string(const json& body, const char* field) {
  auto v = opt_string(body, field);
  if (!v) bad(std::string(field) + " is required");
  return *v;
}

bool opt_bool(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean()) bad(std::string(field) + " must be true or false");
  return it->get<bool>();
}

std::optional<int> opt_int(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 1 << 20)
    bad(std::string(field) + " must be a whole number");
  return it->get<int>();
}

}  // namespace dkim::web
