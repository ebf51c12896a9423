// SPDX-License-Identifier: MIT
#include "db/dns_query.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "filter/base/error.h"

namespace dkim::db {
namespace {

constexpr int kTypeTxt = 16;
constexpr int kClassIn = 1;
constexpr size_t kMaxMessage = 65535;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

TxtAnswer failure(const std::string& why) {
  TxtAnswer a;
  a.outcome = TxtAnswer::Outcome::error;
  a.error = why;
  return a;
}

// Skips a possibly compressed name (RFC 1035 §4.1.4); false if malformed.
bool skip_name(const unsigned char* msg, size_t len, size_t& pos) {
  while (pos < len) {
    unsigned char l = msg[pos];
    if ((l & 0xc0) == 0xc0) {
      pos += 2;
      return pos <= len;
    }
    if (l & 0xc0) return false;
    pos += 1 + l;
    if (l == 0) return pos <= len;
  }
  return false;
}

unsigned get16(const unsigned char* p) { return static_cast<unsigned>(p[0] << 8 | p[1]); }

std::string build_query(const std::string& name, uint16_t id) {
  std::string q;
  q += static_cast<char>(id >> 8);
  q += static_cast<char>(id & 0xff);
  q += std::string("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);  // RD, QDCOUNT=1
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    size_t l = dot - start;
    if (l == 0 || l > 63) throw Error(ErrorKind::usage, "key check: invalid name " + name);
    q += static_cast<char>(l);
    q += name.substr(start, l);
    start = dot + 1;
  }
  q += std::string("\x00\x00\x10\x00\x01", 5);  // root, QTYPE=TXT, QCLASS=IN
  return q;
}

struct Server {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

Server parse_server(const std::string& text) {
  std::string host = text, port = "53";
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) throw Error(ErrorKind::usage, "key check: bad --nameserver " + text);
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw Error(ErrorKind::usage, "key check: bad --nameserver " + text);
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 1 || p > 65535)
    throw Error(ErrorKind::usage, "key check: bad port in " + text);
  Server s;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    s.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    s.len = sizeof(sockaddr_in6);
  } else {
    throw Error(ErrorKind::usage, "key check: --nameserver wants an IP address, not " + text);
  }
  return s;
}

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

// One UDP exchange; empty on timeout. Answers with the wrong id are ignored
// (RFC 5452: a reply must match the query it answers).
std::string exchange_udp(const Server& s, const std::string& query,
                         std::chrono::steady_clock::time_point deadline) {
  Fd fd(::socket(s.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0 || ::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0) return {};
  if (::send(fd.fd, query.data(), query.size(), 0) < 0) return {};
  std::string buf(kMaxMessage, '\0');
  while (wait_for(fd.fd, POLLIN, deadline)) {
    ssize_t n = ::recv(fd.fd, buf.data(), buf.size(), 0);
    if (n >= 12 && buf[0] == query[0] && buf[1] == query[1]) return buf.substr(0, static_cast<size_t>(n));
    if (n < 0) return {};
  }
  return {};
}

bool read_all(int fd, char* out, size_t n, std::chrono::steady_clock::time_point deadline) {
  while (n > 0) {
    if (!wait_for(fd, POLLIN, deadline)) return false;
    ssize_t got = ::recv(fd, out, n, 0);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// RFC 1035 §4.2.2: the same message with a two-byte length prefix.
std::string exchange_tcp(const Server& s, const std::string& query,
                         std::chrono::steady_clock::time_point deadline) {
  Fd fd(::socket(s.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.fd < 0) return {};
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0 && errno != EINPROGRESS)
    return {};
  if (!wait_for(fd.fd, POLLOUT, deadline)) return {};
  std::string framed;
  framed += static_cast<char>(query.size() >> 8);
  framed += static_cast<char>(query.size() & 0xff);
  framed += query;
  if (::send(fd.fd, framed.data(), framed.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(framed.size()))
    return {};
  unsigned char prefix[2];
  if (!read_all(fd.fd, reinterpret_cast<char*>(prefix), 2, deadline)) return {};
  std::string buf(get16(prefix), '\0');
  if (!read_all(fd.fd, buf.data(), buf.size(), deadline)) return {};
  return buf;
}

TxtAnswer query_server(const std::string& name, const std::string& nameserver, int timeout_seconds) {
  Server server = parse_server(nameserver);
  std::random_device rd;
  std::string query = build_query(name, static_cast<uint16_t>(rd()));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  std::string reply;
  // Two UDP tries share the time budget; a lost datagram is common.
  for (int attempt = 0; attempt < 2 && reply.empty(); ++attempt) {
    auto half = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds) / 2;
    reply = exchange_udp(server, query, attempt == 0 ? std::min(half, deadline) : deadline);
  }
  if (reply.empty())
    return failure("no answer from " + nameserver + " within " + std::to_string(timeout_seconds) + " s");
  if (static_cast<unsigned char>(reply[2]) & 0x02) {  // TC: the record did not fit in 512 bytes
    reply =
        exchange_tcp(server, query, std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds));
    if (reply.empty()) return failure("truncated UDP answer and no TCP answer from " + nameserver);
  }
  return parse_txt_response(reinterpret_cast<const unsigned char*>(reply.data()), reply.size());
}

TxtAnswer query_system(const std::string& name, int timeout_seconds) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return failure("cannot initialise the system resolver");
  state.retrans = timeout_seconds;
  state.retry = 1;
  std::string buf(kMaxMessage, '\0');
  auto* out = reinterpret_cast<unsigned char*>(buf.data());
  int n = res_nquery(&state, name.c_str(), kClassIn, kTypeTxt, out, static_cast<int>(buf.size()));
  int herr = state.res_h_errno;
  res_nclose(&state);
  if (n >= 0) return parse_txt_response(out, static_cast<size_t>(n));
  TxtAnswer a;
  if (herr == HOST_NOT_FOUND) {
    a.outcome = TxtAnswer::Outcome::nxdomain;
  } else if (herr == NO_DATA) {
    a.outcome = TxtAnswer::Outcome::nodata;
  } else {
    a = failure(herr == TRY_AGAIN ? "resolver timed out or the server failed (SERVFAIL)"
                                  : "the server refused or could not answer the query");
  }
  return a;
}

}  // namespace

TxtAnswer parse_txt_response(const unsigned char* msg, size_t len) {
  if (len < 12) return failure("short DNS answer");
  unsigned rcode = msg[3] & 0x0f;
  TxtAnswer a;
  if (rcode == 3) {
    a.outcome = TxtAnswer::Outcome::nxdomain;
    return a;
  }
  if (rcode != 0) return failure("server answered with RCODE " + std::to_string(rcode));
  unsigned qd = get16(msg + 4), an = get16(msg + 6);
  size_t pos = 12;
  for (unsigned i = 0; i < qd; ++i)
    if (!skip_name(msg, len, pos) || (pos += 4) > len) return failure("malformed DNS answer");
  for (unsigned i = 0; i < an; ++i) {
    if (!skip_name(msg, len, pos) || pos + 10 > len) return failure("malformed DNS answer");
    unsigned type = get16(msg + pos), rdlen = get16(msg + pos + 8);
    pos += 10;
    if (pos + rdlen > len) return failure("malformed DNS answer");
    if (type == kTypeTxt) {
      std::string text;  // RFC 6376 §3.6.2.2: strings are concatenated without separators
      for (size_t p = pos; p < pos + rdlen;) {
        size_t l = msg[p];
        if (p + 1 + l > pos + rdlen) return failure("malformed TXT record");
        text.append(reinterpret_cast<const char*>(msg + p + 1), l);
        p += 1 + l;
      }
      a.records.push_back(std::move(text));
    }
    pos += rdlen;
  }
  a.outcome = a.records.empty() ? TxtAnswer::Outcome::nodata : TxtAnswer::Outcome::records;
  return a;
}

TxtAnswer query_txt(const std::string& name, const std::string& nameserver, int timeout_seconds) {
  if (timeout_seconds < 1) timeout_seconds = 1;
  return nameserver.empty() ? query_system(name, timeout_seconds)
                            : query_server(name, nameserver, timeout_seconds);
}

}  // namespace dkim::db
