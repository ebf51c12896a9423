// SPDX-License-Identifier: MIT
// The API's JSON request bodies (RFC 8259 §4 objects) and their fields, as
// every endpoint reads them: untrusted bytes in, a value or Error(usage)
// (answered 400) out, with the words the API documents. Parsed by
// nlohmann/json without exceptions (parse(..., false)); tests/fuzz's
// fuzz_web_input feeds every reader here hostile bytes.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dkim::web {

/// The body as a JSON object; Error(usage) when it is not valid JSON or
/// not an object.
nlohmann::json body_object(const std::string& body);

/// The same, but an empty (or blank) body is {}: for endpoints whose fields
/// are all optional.
nlohmann::json optional_body(const std::string& body);

/// A string field; nullopt when absent or null. Error(usage) for another type.
std::optional<std::string> opt_string(const nlohmann::json& body, const char* field);

/// A string field that must be there.
std::string need_string(const nlohmann::json& body, const char* field);

/// A boolean field; false when absent or null.
bool opt_bool(const nlohmann::json& body, const char* field);

/// A whole number from 0 to 2^20; nullopt when absent or null.
std::optional<int> opt_int(const nlohmann::json& body, const char* field);

}  // namespace dkim::web
