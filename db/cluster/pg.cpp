// SPDX-License-Identifier: MIT
#include "db/cluster/pg.h"

#include <poll.h>

#include <cerrno>
#include <cstdlib>

#include "filter/base/error.h"

namespace dkim::cluster {
namespace {

// The first line of libpq's message (they end in a newline, some span two).
std::string first_line(const char* message) {
  std::string m = message ? message : "";
  auto nl = m.find('\n');
  return nl == std::string::npos ? m : m.substr(0, nl);
}

// SQLSTATE classes (PostgreSQL docs, appendix A "Error Codes").
ErrorKind kind_for(const char* sqlstate) {
  std::string s = sqlstate ? sqlstate : "";
  if (s.rfind("23", 0) == 0) return ErrorKind::data;    // integrity constraint violation
  if (s.rfind("42", 0) == 0) return ErrorKind::config;  // undefined table: schema missing
  if (s.rfind("28", 0) == 0) return ErrorKind::config;  // invalid authorization
  if (s.rfind("08", 0) == 0 || s.rfind("40", 0) == 0 || s.rfind("53", 0) == 0 || s.rfind("57", 0) == 0 ||
      s.empty())
    return ErrorKind::temporary;                  // connection, rollback, resources, operator intervention
  if (s == "25006") return ErrorKind::temporary;  // read-only transaction: reached a standby
  return ErrorKind::internal;
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string u(url);
  auto scheme = u.find("://");
  if (scheme == std::string::npos) return u;
  auto at = u.find('@', scheme + 3);
  auto colon = u.find(':', scheme + 3);
  if (at != std::string::npos && colon != std::string::npos && colon < at)
    u.replace(colon + 1, at - colon - 1, "***");
  auto pw = u.find("password=");
  if (pw != std::string::npos) {
    auto end = u.find('&', pw);
    u.replace(pw + 9, (end == std::string::npos ? u.size() : end) - pw - 9, "***");
  }
  return u;
}

std::string Result::text(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  return std::string(v, static_cast<size_t>(PQgetlength(r_.get(), row, col)));
}

long long Result::integer(int row, int col) const {
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

Connection Connection::open(const std::string& url) {
  Connection c(PQconnectdb(url.c_str()));
  if (!c.c_) throw Error(ErrorKind::temporary, "cluster: out of memory connecting to PostgreSQL");
  if (PQstatus(c.c_.get()) != CONNECTION_OK)
    throw Error(ErrorKind::temporary, "cluster: cannot connect to " + redact_url(url) + ": " +
                                          first_line(PQerrorMessage(c.c_.get())));
  // A notice (e.g. "relation already exists, skipping") is not an error.
  PQsetNoticeProcessor(
      c.c_.get(), [](void*, const char*) {}, nullptr);
  return c;
}

Result Connection::exec(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return checked(PQexecParams(c_.get(), std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0));
}

void Connection::exec_script(const std::string& sql) { checked(PQexec(c_.get(), sql.c_str())); }

Result Connection::checked(PGresult* raw) {
  Result r(raw);
  ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  // A broken connection is the network's fault whatever the statement.
  if (!raw || !ok())
    throw Error(ErrorKind::temporary,
                "cluster: connection to " + server() + " lost: " + first_line(PQerrorMessage(c_.get())));
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  throw Error(kind_for(state), "cluster: " + first_line(primary ? primary : PQerrorMessage(c_.get())));
}

void Connection::transaction(const std::string& mode, const std::function<void()>& body) {
  exec("BEGIN " + mode);
  try {
    body();
    exec("COMMIT");
  } catch (...) {
    if (ok()) Result(PQexec(c_.get(), "ROLLBACK"));
    throw;
  }
}

int Connection::wait_for_notifications(int timeout_ms) {
  int count = 0;
  auto drain = [&] {
    if (PQconsumeInput(c_.get()) == 0)
      throw Error(ErrorKind::temporary,
                  "cluster: connection to " + server() + " lost: " + first_line(PQerrorMessage(c_.get())));
    while (PGnotify* n = PQnotifies(c_.get())) {
      ++count;
      PQfreemem(n);
    }
  };
  drain();
  if (count > 0) return count;
  pollfd p{PQsocket(c_.get()), POLLIN, 0};
  if (p.fd < 0) throw Error(ErrorKind::temporary, "cluster: connection to " + server() + " lost");
  if (::poll(&p, 1, timeout_ms) > 0) drain();
  return count;
}

bool Connection::ok() const { return PQstatus(c_.get()) == CONNECTION_OK; }

std::string Connection::server() const {
  return std::string(PQhost(c_.get()) ? PQhost(c_.get()) : "?") + ":" +
         (PQport(c_.get()) ? PQport(c_.get()) : "?");
}

}  // namespace dkim::cluster
