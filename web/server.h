// SPDX-License-Identifier: MIT
// The HTTP/1.1 server (RFC 9112) of dkim-filter-web: listens on one
// address, plain on loopback or TLS, reads each request within the limits
// below, hands it to `handler` and writes the answer back.
#pragma once
#include <functional>
#include <string>

#include "web/http.h"

namespace dkim::web {

struct ServerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8025;
  std::string tls_cert, tls_key;                         ///< both set: TLS (RFC 8446 via OpenSSL)
  std::size_t max_body = 1 << 20;                        ///< larger bodies: 413 (RFC 9110 §15.5.14)
  std::size_t max_header = 16 << 10;                     ///< larger header sections: 431 (RFC 6585 §5)
  int max_connections = 1024;                            ///< beyond: 503 and close
  int timeout_seconds = 30;                              ///< per read or write of a connection
  std::function<void(const std::string&)> on_listening;  ///< called with "ADDR:PORT" once bound
  /// Requests for which this is true (key generation, DNS waits) run on a
  /// pool of worker threads, not on the one thread that serves every
  /// connection, so a 4096-bit key does not stall the others; the handler
  /// must then be safe to call from several threads.
  std::function<bool(const Request&)> offload;
  /// Offloaded requests running or queued at once; beyond, `busy`'s
  /// answer (default: a JSON 503), sent with Retry-After (RFC 9110
  /// §15.6.4, §10.2.3).
  int max_offloaded = 4;
  std::function<Response(const Request&)> busy;
};

using Handler = std::function<Response(const Request&)>;

/// Runs until SIGTERM or SIGINT. Throws Error(config) when the address
/// cannot be bound or the certificate or key does not load.
void run_server(const ServerConfig& config, const Handler& handler);

/// True for 127.0.0.0/8 and ::1: the only addresses served without TLS.
bool is_loopback(const std::string& address);

}  // namespace dkim::web
