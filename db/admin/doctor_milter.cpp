// SPDX-License-Identifier: MIT
// doctor's checks of Postfix's wiring for dkim-filter-milter: the milter
// lists (main.cf and master.cf -o overrides, as postconf(1) reports them)
// naming the milter's socket, the socket answering Postfix's own account
// (mail_owner with its primary group only, as Postfix's daemons run), and
// the main.cf values the shipped examples/postfix-milter sets and
// dkim-filter-milter(8) relies on. Postfix side: MILTER_README and
// postconf(5) (milter_default_action, milter_protocol, milter_mail_macros).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "db/admin/doctor.h"
#include "db/admin/process.h"

namespace dkim::admin {
namespace {

// A milter endpoint in both spellings: libmilter's (the milter's socket
// option: unix:PATH, local:PATH, inet:PORT@HOST, inet6:PORT@HOST) and the
// one Postfix's milter lists use (unix:PATH, inet:HOST:PORT).
struct Endpoint {
  bool unix_socket = false;
  std::string path;  ///< unix
  std::string host;  ///< inet; empty: any address
  std::string port;  ///< inet
};

std::optional<Endpoint> from_libmilter(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string kind = spec.substr(0, colon), rest = spec.substr(colon + 1);
  Endpoint e;
  if (kind == "unix" || kind == "local") {
    e.unix_socket = true;
    e.path = rest;
    return e;
  }
  if (kind != "inet" && kind != "inet6") return std::nullopt;
  auto at = rest.find('@');
  e.port = rest.substr(0, at);
  if (at != std::string::npos) e.host = rest.substr(at + 1);
  return e;
}

// One entry of a Postfix milter list: "unix:/run/x.sock", "inet:127.0.0.1:8891",
// or the first word of "{ inet:host:port, connect_timeout=10s }".
bool names(const std::string& entry, const Endpoint& e) {
  if (e.unix_socket) {
    for (const char* prefix : {"unix:", "local:"})
      if (entry == prefix + e.path) return true;
    return false;
  }
  if (entry.rfind("inet:", 0) != 0 && entry.rfind("inet6:", 0) != 0) return false;
  auto colon = entry.rfind(':');
  if (entry.substr(colon + 1) != e.port) return false;
  std::string host = entry.substr(entry.find(':') + 1, colon - entry.find(':') - 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  // A milter listening on every address answers on loopback too.
  return e.host.empty() || host == e.host || (host == "localhost" && e.host == "127.0.0.1");
}

// Whether a milter list (postconf's value) names the endpoint. Entries are
// separated by commas or white space; braces group one entry's settings.
bool list_names(const std::string& list, const Endpoint& e) {
  std::string text = list;
  for (char& c : text)
    if (c == ',' || c == '{' || c == '}') c = ' ';
  std::istringstream in(text);
  for (std::string w; in >> w;)
    if (names(w, e)) return true;
  return false;
}

// The chroot column of master.cf service NAME/TYPE (postconf -M): "-" is
// Postfix 3's default, no chroot (master(5)).
bool chrooted(const PostfixView& pf, const std::string& name, const std::string& type) {
  for (const auto& line : pf.services) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string x; w.size() < 5 && in >> x;) w.push_back(x);
    if (w.size() == 5 && w[0] == name && w[1] == type) return w[4] == "y";
  }
  return false;
}

// A chrooted smtpd(8) or cleanup(8) takes a milter's UNIX socket path
// below the queue directory (examples/postfix-milter/README.md, "A
// chrooted Postfix"): fine only when the socket is there.
void check_chroot(const Endpoint& e, const std::string& service, const PostfixView& pf, Findings& out) {
  if (!e.unix_socket) return;
  auto slash = service.find('/');
  if (!chrooted(pf, service.substr(0, slash), service.substr(slash + 1))) return;
  std::string queue = pf.value("queue_directory");
  std::string inside = queue + e.path;
  struct stat st {};
  if (::stat(inside.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return;
  out.add("Postfix's " + service + " runs chrooted in " + queue + ", where the milter socket is " + inside +
              ", which does not exist: the mail it handles is deferred",
          "set " + service + "'s chroot column to n (postconf -F " + service +
              "/chroot=n), or put the socket in the queue directory (examples/postfix-milter/README.md, "
              "\"A chrooted Postfix\")");
}

std::string describe(const Endpoint& e) {
  return e.unix_socket ? "unix:" + e.path : "inet:" + (e.host.empty() ? "127.0.0.1" : e.host) + ":" + e.port;
}

// Connects as `account` with its primary group only; 0, or the errno.
int connect_errno(const Endpoint& e, const Account& account) {
  if (!e.unix_socket) {
    // A TCP socket has no owner: any local account may connect.
    std::string host = e.host.empty() || e.host == "localhost" ? "127.0.0.1" : e.host;
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    auto port = htons(static_cast<uint16_t>(std::stoi(e.port)));
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = port;
      len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = port;
      len = sizeof *v6;
    } else {
      return 0;  // another host name: not resolved here, so not judged
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
  }
  if (e.path.size() >= sizeof(sockaddr_un{}.sun_path)) return ENAMETOOLONG;
  // errno values fit the child's exit status (0..125).
  return run_as(
      account,
      [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno & 0x7f;
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::memcpy(sa.sun_path, e.path.c_str(), e.path.size() + 1);
        int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ? 0 : errno;
        ::close(fd);
        return rc > 125 ? 125 : rc;
      },
      Groups::primary_only);
}

void check_socket(const Endpoint& e, const PostfixView& pf, Findings& out) {
  std::string owner = pf.value("mail_owner");
  if (owner.empty()) owner = "postfix";
  auto account = find_account(owner);
  if (!account) {
    out.add("Postfix's mail_owner " + owner + " has no account: the milter socket cannot be checked",
            "postconf mail_owner, and create that account");
    return;
  }
  int err = connect_errno(e, *account);
  if (err == 0) return;
  const std::string where = "the milter socket " + describe(e);
  if (err == ENOENT || err == ECONNREFUSED)
    out.add(where + " does not answer (" + std::strerror(err) +
                "): dkim-filter-milter is not running, so mail is deferred (or leaves unsigned)",
            "systemctl enable --now dkim-filter-milter, and check journalctl -u dkim-filter-milter");
  else if (err == EACCES || err == EPERM)
    out.add(owner + " (group " + group_name(account->gid) +
                " only, as Postfix's daemons run) cannot connect to " + where +
                ": all mail through it is deferred",
            "run the milter with group " + group_name(account->gid) +
                " and its socket directory open to it (the unit's Group= and RuntimeDirectoryMode=0750)");
  else
    out.add(owner + " cannot connect to " + where + ": " + std::strerror(err),
            "check the socket path and dkim-filter-milter's --socket");
}

// main.cf values dkim-filter-milter(8) and examples/postfix-milter/main.cf need.
void check_settings(const PostfixView& pf, Findings& out) {
  if (pf.value("milter_default_action") != "tempfail")
    out.add("milter_default_action is " + pf.value("milter_default_action") +
                ", not tempfail: while the milter is stopped or failing, mail leaves unsigned",
            "postconf -e milter_default_action=tempfail");
  std::string protocol = pf.value("milter_protocol");
  if (protocol.empty() || protocol.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(protocol) < 6)
    out.add("milter_protocol is " + protocol +
                ", not 6: without SMFIP_HDR_LEADSPC the milter refuses the connection and mail is deferred",
            "postconf -e milter_protocol=6");
  std::set<std::string> macros;
  std::istringstream in(pf.value("milter_mail_macros"));
  for (std::string w; in >> w;) macros.insert(w);
  std::string missing;
  for (const char* m : {"i", "{auth_authen}", "{client_addr}"})
    if (!macros.count(m)) missing += std::string(missing.empty() ? "" : " ") + m;
  if (!missing.empty())
    out.add("milter_mail_macros lacks " + missing +
                ": the milter cannot tell the SASL user ({auth_authen}), the client address "
                "({client_addr}) or the queue id (i)",
            "set milter_mail_macros as in /usr/share/doc/dkim-filter/examples/postfix-milter/main.cf");
}

}  // namespace

bool check_postfix_milter(const PostfixView& pf, const MtaExpectations& expect, Findings& out) {
  auto e = from_libmilter(expect.milter_socket);
  if (!e) return false;
  bool main_smtpd = list_names(pf.value("smtpd_milters"), *e);
  bool main_local = list_names(pf.value("non_smtpd_milters"), *e);
  // postconf -P: "submission/inet/smtpd_milters = unix:/run/dkim-filter/milter.sock".
  std::vector<std::string> smtpd_services;  // "submission/inet"
  for (const auto& o : pf.overrides) {
    auto eq = o.find(" = ");
    if (eq == std::string::npos) continue;
    std::string name = o.substr(0, eq);
    if (name.size() > 14 && name.compare(name.size() - 14, 14, "/smtpd_milters") == 0 &&
        list_names(o.substr(eq + 3), *e))
      smtpd_services.push_back(name.substr(0, name.size() - 14));
  }
  bool service_smtpd = !smtpd_services.empty();
  if (!main_smtpd && !main_local && !service_smtpd) return false;
  const std::string socket = describe(*e);
  if (!main_local)
    out.add("non_smtpd_milters does not name " + socket +
                ": mail submitted with sendmail(1) (pickup) leaves unsigned",
            "postconf -e non_smtpd_milters=" + socket);
  if (!main_smtpd && !service_smtpd)
    out.add("no smtpd_milters names " + socket + ": mail from the submission services leaves unsigned",
            "add -o smtpd_milters=" + socket +
                " to the submission and submissions services (examples/postfix-milter/master.cf)");
  check_socket(*e, pf, out);
  if (main_local) check_chroot(*e, "cleanup/unix", pf, out);
  for (const auto& service : smtpd_services) check_chroot(*e, service, pf, out);
  check_settings(pf, out);
  return true;
}

}  // namespace dkim::admin
