// SPDX-License-Identifier: MIT
// RAII over libpq (PostgreSQL 15 docs, chapter 34 "libpq - C Library").
// Only db/ includes libpq headers; errors become dkim::Error: a server that
// cannot be reached or a lost connection is temporary, a refused row
// (unique or check violation) is data, a missing schema is config.
#pragma once
#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dkim::cluster {

/// The URL with any password replaced by "***", for messages and logs.
std::string redact_url(std::string_view url);

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  int rows() const { return PQntuples(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  long long integer(int row, int col) const;

 private:
  struct Clear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> r_;
};

using Params = std::vector<std::optional<std::string>>;

class Connection {
 public:
  /// Connects (libpq connection URI, section 34.1.1: multi-host lists and
  /// target_session_attrs are libpq's). Throws Error(temporary) naming the
  /// redacted URL when no server answers.
  static Connection open(const std::string& url);

  /// One statement with $1... parameters, as text (PQexecParams).
  Result exec(std::string_view sql, const Params& params = {});
  /// Several statements without parameters (PQexec): schema scripts.
  void exec_script(const std::string& sql);
  /// Runs `body` between BEGIN `mode` and COMMIT; ROLLBACK if it throws.
  void transaction(const std::string& mode, const std::function<void()>& body);

  /// LISTEN support (section 34.9 "Asynchronous Notification"): waits up to
  /// `timeout_ms` for input on the socket, then returns how many
  /// notifications arrived. Throws Error(temporary) if the connection broke.
  int wait_for_notifications(int timeout_ms);
  bool ok() const;
  /// host:port of the server this connection reached (PQhost, PQport).
  std::string server() const;

 private:
  struct Finish {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  explicit Connection(PGconn* c) : c_(c) {}
  Result checked(PGresult* raw);
  std::unique_ptr<PGconn, Finish> c_;
};

}  // namespace dkim::cluster
