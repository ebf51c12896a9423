// SPDX-License-Identifier: MIT
// The control panel: server-rendered HTML without scripts or external
// assets (every form works without JavaScript), and the front door that
// sends /api/v1 to the API. Signing in with a token opens a session whose
// cookie is HttpOnly, Secure and SameSite=Strict (RFC 6265 §4.1.2,
// draft-ietf-httpbis-rfc6265bis §4.1.2.7); every form carries the
// session's CSRF token. The pages change nothing themselves: each action
// is the API's request of the same name, so both refuse alike.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "web/api.h"

namespace dkim::web {

/// The API's routes and the pages', for --print-routes.
std::vector<Route> all_routes();

class Pages {
 public:
  explicit Pages(ApiConfig config) : config_(std::move(config)) {}
  /// Any request: /api/v1/... with a bearer token, the pages with a session.
  /// Safe to call from several threads (the server's workers).
  Response dispatch(const Request& request);
  /// The requests that generate keys or wait for DNS (ServerConfig::offload).
  static bool slow(const Request& request);
  /// The answer when too many of those are under way (ServerConfig::busy):
  /// 503, as JSON for the API and as a page for the control panel.
  static Response busy(const Request& request);

 private:
  struct Session {
    std::string token_name, csrf;
    long long expires = 0;
  };
  struct Attempts {
    long long window = 0;
    int failures = 0;
  };

  Response api(const Request& request);
  Response login_page(const std::string& message, const Request& request);
  Response login(const Request& request);
  Response logout(const Request& request);
  Response dkim_page(const Request& request, const db::Token& token, const Session& s,
                     const std::string& notice, const std::string& record_selector,
                     const std::string& domain_override);
  Response users_page(const Request& request, const db::Token& token, const Session& s,
                      const std::string& notice);
  Response action(const Request& request, const db::Token& token, const Session& s, const std::string& what);
  /// The signed-in session and its token, if the cookie names a live one.
  std::optional<std::pair<Session, db::Token>> session(const Request& request);

  ApiConfig config_;
  std::mutex mutex_;  ///< guards sessions_ and attempts_
  std::map<std::string, Session> sessions_;
  std::map<std::string, Attempts> attempts_;
};

}  // namespace dkim::web
