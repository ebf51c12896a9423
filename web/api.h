// SPDX-License-Identifier: MIT
// The JSON API under /api/v1 (examples/api/openapi.yaml): keys, users,
// explain, each as dkim-filter-admin's command of the same name, on the
// same checks (db/admin/rules.h). Requests carry a bearer token (RFC 6750
// §2.1) or the control panel's session; answers are JSON (RFC 8259), errors
// {"error": "..."} with 400, 401, 403, 404, 409 or 503. Private keys are
// never part of an answer.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "db/admin/config.h"
#include "db/keystore.h"
#include "db/tokens.h"
#include "web/http.h"

namespace dkim::web {

struct ApiConfig {
  std::string db_path;
  /// Cluster mode (dkim-filter-admin(8) "CLUSTER MODE"): the file's
  /// cluster = URL unless --db names a local file, and the cluster key.
  std::string cluster_url, cluster_key_file;
  /// For key checks (instead of the system resolver) and for activate's
  /// DNS gate (instead of the zone's authoritative servers); "" = those.
  std::string nameserver;
  int dns_timeout = 5;
  bool log_stderr = false;
  /// The lifecycle's options of the configuration file (dns-update,
  /// delegate-zone, ...: dkim-filter-admin(8) "CONFIGURATION").
  admin::AdminConfig lifecycle;
};

/// The key database every request of the API and the pages uses: the one
/// place that says which store that is.
db::KeyStore open_store(const ApiConfig& config);
/// The tokens of that store, after open_store's checks.
db::TokenTable open_tokens(const ApiConfig& config);

/// One route of the API, as the OpenAPI file names it ("/api/v1/keys/{domain}").
struct Route {
  const char* method;
  const char* path;
};
const std::vector<Route>& api_routes();

/// Handles a request under /api/v1 on behalf of `token` (already
/// authenticated by the caller).
Response handle_api(const ApiConfig& config, const Request& request, const db::Token& token);

/// The token named by "Authorization: Bearer ..." (RFC 6750 §2.1), if it is valid.
std::optional<db::Token> bearer_token(const ApiConfig& config, const Request& request);

/// {"error": message} with `status`.
Response json_error(int status, const std::string& message);

/// The status for a refusal of the shared checks: usage 400, data 400 or
/// 404 (not found) or 409 (exists, in use, or the key's state forbids the
/// step), database and DNS trouble 503.
int status_for(const std::exception& e);

/// One key=value line per change (syslog facility mail, or stderr).
void log_change(const ApiConfig& config, const db::Token& token, const std::string& action,
                const std::vector<std::pair<std::string, std::string>>& fields, int status);

}  // namespace dkim::web
