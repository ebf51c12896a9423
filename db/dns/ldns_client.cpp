// SPDX-License-Identifier: MIT
// The DNS client of db/dns/client.h on ldns. This is the one file of the
// project that includes ldns headers; they pull in OpenSSL's, which the
// rest of db/ never includes.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "db/dns/client.h"
#include "filter/base/error.h"

// Last: ldns's headers (through OpenSSL's) must not come before the C++
// library's, or clang reads libstdc++'s __is_signed as its builtin.
#include <ldns/ldns.h>

namespace dkim::db::dns {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct ResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct RrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListFree>;

[[noreturn]] void fail(ErrorKind kind, const std::string& what) { throw Error(kind, "dns: " + what); }

std::string status_text(ldns_status s) {
  const char* text = ldns_get_errorstr_by_id(s);
  std::string out = text ? text : "error " + std::to_string(static_cast<int>(s));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string rcode_text(ldns_pkt_rcode rcode) {
  ldns_lookup_table* t = ldns_lookup_by_id(ldns_rcodes, static_cast<int>(rcode));
  return t ? t->name : "rcode " + std::to_string(static_cast<int>(rcode));
}

RdfPtr dname(const std::string& name) {
  RdfPtr rdf(ldns_dname_new_frm_str(name.c_str()));
  if (!rdf) fail(ErrorKind::usage, "invalid domain name " + name);
  return rdf;
}

// ldns writes names with their final dot; we keep names without it.
std::string name_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  if (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

ResolverPtr make_resolver(const std::optional<Server>& server, const QueryOptions& options) {
  ldns_resolver* raw = nullptr;
  if (server) {
    raw = ldns_resolver_new();
    if (!raw) fail(ErrorKind::temporary, "out of memory");
  } else {
    ldns_status s = ldns_resolver_new_frm_file(&raw, nullptr);  // /etc/resolv.conf
    if (s != LDNS_STATUS_OK) fail(ErrorKind::temporary, "cannot read /etc/resolv.conf: " + status_text(s));
  }
  ResolverPtr r(raw);
  if (server) {
    bool v6 = server->address.find(':') != std::string::npos;
    RdfPtr addr(ldns_rdf_new_frm_str(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, server->address.c_str()));
    if (!addr || ldns_resolver_push_nameserver(r.get(), addr.get()) != LDNS_STATUS_OK)
      fail(ErrorKind::usage, "invalid server address " + server->address);
    ldns_resolver_set_port(r.get(), server->port);
    ldns_resolver_set_recursive(r.get(), false);  // an authoritative server's own data
  }
  timeval tv{options.timeout_seconds, 0};
  ldns_resolver_set_timeout(r.get(), tv);
  ldns_resolver_set_retry(r.get(), 1);
  ldns_resolver_set_retrans(r.get(), 0);
  ldns_resolver_set_fallback(r.get(), true);  // truncated over UDP: ask again over TCP
  ldns_resolver_set_defnames(r.get(), false);
  ldns_resolver_set_dnsrch(r.get(), false);
  return r;
}

// Sends one query; nullptr and `error` set when no answer came back.
PktPtr ask(ldns_resolver* r, const std::string& name, ldns_rr_type type, std::string& error) {
  RdfPtr qname = dname(name);
  ldns_pkt* raw = nullptr;
  uint16_t flags = ldns_resolver_recursive(r) ? LDNS_RD : 0;
  ldns_status s = ldns_resolver_send(&raw, r, qname.get(), type, LDNS_RR_CLASS_IN, flags);
  PktPtr pkt(raw);
  if (s != LDNS_STATUS_OK || !pkt) {
    error = "no answer: " + status_text(s);
    return nullptr;
  }
  return pkt;
}

// RFC 1035 §3.3.14: TXT-DATA is one or more <character-string>s, each a
// length octet and that many octets; RFC 6376 §3.6.2.2 concatenates them.
std::string txt_value(const ldns_rr* rr) {
  std::string value;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const uint8_t* data = ldns_rdf_data(rdf);
    size_t size = ldns_rdf_size(rdf);
    if (size == 0) continue;
    size_t len = std::min<size_t>(data[0], size - 1);
    value.append(reinterpret_cast<const char*>(data + 1), len);
  }
  return value;
}

TxtAnswer txt_answer(const ldns_pkt* pkt) {
  TxtAnswer a;
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
  if (rcode == LDNS_RCODE_NXDOMAIN) {
    a.outcome = TxtAnswer::Outcome::nxdomain;
    return a;
  }
  if (rcode != LDNS_RCODE_NOERROR) {
    a.error = "server answered " + rcode_text(rcode);
    return a;
  }
  const ldns_rr_list* answer = ldns_pkt_answer(pkt);
  for (size_t i = 0; answer && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
    uint32_t ttl = ldns_rr_ttl(rr);
    a.ttl = a.records.empty() ? ttl : std::min(a.ttl, ttl);
    a.records.push_back(txt_value(rr));
  }
  a.outcome = a.records.empty() ? TxtAnswer::Outcome::nodata : TxtAnswer::Outcome::records;
  return a;
}

ldns_rdf* txt_string(std::string_view part) {
  std::string data(1, static_cast<char>(part.size()));
  data.append(part);
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, data.size(), data.data());
}

// The UPDATE section (RFC 2136 §2.5): "Delete An RRset" (class ANY, TTL 0,
// no RDATA), then, for a replacement, "Add To An RRset" with the new RR.
RrListPtr update_section(const TxtChange& change) {
  RrListPtr list(ldns_rr_list_new());
  ldns_rr* del = ldns_rr_new();
  ldns_rr_set_owner(del, dname(change.name).release());
  ldns_rr_set_type(del, LDNS_RR_TYPE_TXT);
  ldns_rr_set_class(del, LDNS_RR_CLASS_ANY);
  ldns_rr_set_ttl(del, 0);
  ldns_rr_list_push_rr(list.get(), del);
  if (change.action == TxtChange::Action::replace) {
    ldns_rr* add = ldns_rr_new_frm_type(LDNS_RR_TYPE_TXT);
    // ldns_rr_new_frm_type makes empty rdata fields; start from none.
    while (ldns_rr_rd_count(add) > 0) ldns_rdf_deep_free(ldns_rr_pop_rdf(add));
    ldns_rr_set_owner(add, dname(change.name).release());
    ldns_rr_set_class(add, LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(add, change.ttl);
    std::string_view v = change.value;
    // RFC 1035 §3.3.14: each character-string is at most 255 octets.
    do {
      ldns_rr_push_rdf(add, txt_string(v.substr(0, 255)));
      v.remove_prefix(std::min<size_t>(255, v.size()));
    } while (!v.empty());
    ldns_rr_list_push_rr(list.get(), add);
  }
  return list;
}

}  // namespace

std::string Server::text() const {
  bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Server parse_server(std::string_view text, std::string_view what) {
  std::string s(text), host = s, port;
  auto bad = [&]() -> Server {
    throw Error(ErrorKind::usage, "dns: " + std::string(what) +
                                      " must be IPv4, IPv4:PORT, IPv6 or [IPv6]:PORT, not '" +
                                      s.substr(0, 60) + "'");
  };
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return bad();
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return bad();
      port = s.substr(close + 2);
      if (port.empty()) return bad();
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    host = s.substr(0, s.find(':'));
    port = s.substr(s.find(':') + 1);
    if (port.empty()) return bad();
  }
  unsigned char buf[16];
  bool v6 = host.find(':') != std::string::npos;
  if (::inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), buf) != 1) return bad();
  Server server{host, 53};
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad();
    int p = std::stoi(port);
    if (p < 1 || p > 65535) return bad();
    server.port = static_cast<uint16_t>(p);
  }
  return server;
}

TxtAnswer query_txt(const std::string& name, const std::optional<Server>& server,
                    const QueryOptions& options) {
  ResolverPtr r = make_resolver(server, options);
  TxtAnswer a;
  PktPtr pkt = ask(r.get(), name, LDNS_RR_TYPE_TXT, a.error);
  if (!pkt) return a;
  return txt_answer(pkt.get());
}

TxtAnswer parse_txt_response(const unsigned char* wire, size_t size) {
  ldns_pkt* raw = nullptr;
  ldns_status s = ldns_wire2pkt(&raw, wire, size);
  PktPtr pkt(raw);
  if (s != LDNS_STATUS_OK || !pkt) {
    TxtAnswer a;
    a.error = "malformed answer: " + status_text(s);
    return a;
  }
  return txt_answer(pkt.get());
}

std::string find_zone(const std::string& name, const std::optional<Server>& server,
                      const QueryOptions& options) {
  ResolverPtr r = make_resolver(server, options);
  std::string error;
  PktPtr pkt = ask(r.get(), name, LDNS_RR_TYPE_SOA, error);
  if (!pkt) fail(ErrorKind::temporary, "cannot find the zone of " + name + ": " + error);
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
    fail(ErrorKind::temporary, "cannot find the zone of " + name + ": server answered " + rcode_text(rcode));
  for (const ldns_rr_list* section : {ldns_pkt_answer(pkt.get()), ldns_pkt_authority(pkt.get())}) {
    for (size_t i = 0; section && i < ldns_rr_list_rr_count(section); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(section, i);
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) return name_text(ldns_rr_owner(rr));
    }
  }
  fail(ErrorKind::temporary,
       "cannot find the zone of " + name + ": no SOA record in the answer (set dns-zone)");
}

std::vector<Server> authoritative_servers(const std::string& zone, const QueryOptions& options) {
  ResolverPtr r = make_resolver(std::nullopt, options);
  std::string error;
  PktPtr pkt = ask(r.get(), zone, LDNS_RR_TYPE_NS, error);
  if (!pkt) fail(ErrorKind::temporary, "cannot find the name servers of " + zone + ": " + error);
  std::vector<Server> servers;
  const ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  for (size_t i = 0; answer && i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* ns = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(ns) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(ns) < 1) continue;
    RrListPtr addrs(ldns_get_rr_list_addr_by_name(r.get(), ldns_rr_rdf(ns, 0), LDNS_RR_CLASS_IN, LDNS_RD));
    for (size_t j = 0; addrs && j < ldns_rr_list_rr_count(addrs.get()); ++j) {
      const ldns_rr* a = ldns_rr_list_rr(addrs.get(), j);
      if (ldns_rr_rd_count(a) < 1) continue;
      char* text = ldns_rdf2str(ldns_rr_rdf(a, 0));
      if (text) servers.push_back(Server{text, 53});
      free(text);
    }
  }
  if (servers.empty())
    fail(ErrorKind::temporary, "no name server address found for " + zone + " (use --nameserver)");
  return servers;
}

void update_txt(const Server& server, const std::string& zone, const TxtChange& change, const TsigKey& key,
                const QueryOptions& options) {
  ResolverPtr r = make_resolver(server, options);
  ldns_resolver_set_tsig_keyname(r.get(), key.name.c_str());
  ldns_resolver_set_tsig_algorithm(r.get(), (key.algorithm + ".").c_str());
  ldns_resolver_set_tsig_keydata(r.get(), key.secret.c_str());
  RrListPtr updates = update_section(change);
  // The zone section names the zone, type SOA (RFC 2136 §2.3).
  PktPtr pkt(ldns_update_pkt_new(dname(zone).release(), LDNS_RR_CLASS_IN, nullptr, updates.get(), nullptr));
  if (!pkt) fail(ErrorKind::temporary, "cannot build the update for " + change.name);
  ldns_pkt_set_rd(pkt.get(), false);
  ldns_pkt_set_random_id(pkt.get());
  std::string what = "update of " + change.name + " at " + server.text();
  // RFC 2136 §3.8 has no unsigned form here: every update carries TSIG.
  ldns_status s = ldns_update_pkt_tsig_add(pkt.get(), r.get());
  if (s != LDNS_STATUS_OK || !ldns_pkt_tsig(pkt.get()))
    fail(ErrorKind::config, what + ": cannot sign it: " + status_text(s));
  // ldns_send, not ldns_resolver_send_pkt: the latter drops the answer
  // when its TSIG does not verify, and with it the rcode that says why.
  ldns_pkt* raw = nullptr;
  s = ldns_send(&raw, r.get(), pkt.get());
  PktPtr reply(raw);
  if (reply && ldns_pkt_get_rcode(reply.get()) != LDNS_RCODE_NOERROR) {
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(reply.get());
    // RFC 8945 §5.3.2: a key the server does not know or a bad MAC is
    // answered NOTAUTH, unsigned.
    fail(ErrorKind::temporary, what + " refused: " + rcode_text(rcode) +
                                   (rcode == LDNS_RCODE_NOTAUTH
                                        ? " (the server does not accept this TSIG key: check dns-update-key)"
                                        : ""));
  }
  // ldns_send verifies the answer's TSIG (RFC 8945 §5.3) and says
  // LDNS_STATUS_CRYPTO_TSIG_BOGUS when it does not check out.
  if (s != LDNS_STATUS_OK || !reply) fail(ErrorKind::temporary, what + " failed: " + status_text(s));
}

}  // namespace dkim::db::dns
