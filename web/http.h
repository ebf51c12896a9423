// SPDX-License-Identifier: MIT
// The daemon's view of one HTTP exchange (RFC 9110), independent of the
// server library: web/server.cpp fills a Request from the wire and writes
// the Response back; the API and the pages are functions from one to the
// other, testable without a socket.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dkim::web {

struct Request {
  std::string method;                          ///< "GET", "POST", ... (RFC 9110 §9)
  std::string target;                          ///< as sent: path and query
  std::map<std::string, std::string> headers;  ///< names lower-cased (RFC 9110 §5.1)
  std::string body;
  std::string peer;  ///< the client's address, for the log

  /// The header's value, "" when absent.
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra fields (Set-Cookie, Location...)
};

/// The reason phrase for a status code (RFC 9110 §15).
const char* reason_phrase(int status);

}  // namespace dkim::web
