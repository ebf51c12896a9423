// SPDX-License-Identifier: MIT
// postfix sender-logins: the outgoing users as a Postfix regexp_table(5)
// for smtpd_sender_login_maps, so that reject_sender_login_mismatch stops
// a customer from sending as another (postconf(5): the table gives, for a
// MAIL FROM address, the SASL login names that own it; an authenticated
// client whose login does not own the address is rejected). Postfix reads
// this file, never the key database.
//
// Ownership, derived from each user as stored:
//   local@domain (a login)       owns local@domain
//   *@domain (mailbox wildcard)  every login local@domain owns local@domain
//   alice with --domain D        the bare login alice owns alice@D
//   domain (a domain login)      owns every address @domain
//   --any-domain users           own every address (relays for many domains)
//   IP users                     no SASL login: not listed
// A regexp table stops at the first match, so each line lists every owner
// of the addresses it matches: the address's own login, the wildcard's
// rule, the domain login, the relays.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "db/admin/cli.h"
#include "db/names.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

// Names that can appear in a table line as they are: no space, no regexp
// delimiter, nothing that ends the line.
bool plain(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '@' || c == '*' ||
          c == '=' || c == '\''))
      return false;
  return true;
}

// A literal in a POSIX extended regular expression (regex(7)).
std::string regex_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '@' && c != '_' && c != '-') out += '\\';
    out += c;
  }
  return out;
}

struct Table {
  std::map<std::string, std::set<std::string>> address_owners;  // local@domain -> logins
  std::set<std::string> wildcard_domains;
  std::map<std::string, std::set<std::string>> domain_owners;  // domain -> domain logins
  std::set<std::string> relays;                                // --any-domain logins
};

std::string owners_text(std::set<std::string> owners, const Table& t, const std::string& domain) {
  if (auto d = t.domain_owners.find(domain); d != t.domain_owners.end())
    owners.insert(d->second.begin(), d->second.end());
  owners.insert(t.relays.begin(), t.relays.end());
  std::string out;
  for (const auto& o : owners) out += (out.empty() ? "" : ",") + o;
  return out;
}

std::string domain_of(const std::string& address) { return address.substr(address.rfind('@') + 1); }

Table build_table(db::KeyStore& store) {
  Table t;
  for (const auto& u : store.list_users()) {
    if (u.kind == policy::UserKind::ip) continue;
    if (!plain(u.name) || (!u.domain.empty() && !plain(u.domain))) {
      warn("user " + db::escape_text(u.name) + " has characters no SASL login has; not listed");
      continue;
    }
    if (u.any_domain) t.relays.insert(u.name);
    if (u.kind == policy::UserKind::domain) {
      t.domain_owners[u.name].insert(u.name);
    } else if (u.name.rfind("*@", 0) == 0) {
      t.wildcard_domains.insert(u.name.substr(2));
    } else if (u.name.find('@') != std::string::npos) {
      t.address_owners[u.name].insert(u.name);
    } else if (!u.domain.empty()) {
      t.address_owners[u.name + "@" + u.domain].insert(u.name);  // a bare login
    }
  }
  return t;
}

std::string render(const Table& t) {
  std::ostringstream out;
  out << "# Postfix smtpd_sender_login_maps (regexp_table(5)), written by dkim-filter-admin postfix "
         "sender-logins.\n# MAIL FROM address -> the SASL logins that own it. Regenerate after user "
         "changes.\n";
  // Listed addresses first (the most specific), each with every owner.
  for (const auto& [address, logins] : t.address_owners) {
    std::set<std::string> owners = logins;
    if (t.wildcard_domains.count(domain_of(address))) owners.insert(address);
    out << "/^" << regex_literal(address) << "$/ " << owners_text(owners, t, domain_of(address)) << "\n";
  }
  for (const auto& domain : t.wildcard_domains)
    out << "/^([^@]+)@" << regex_literal(domain) << "$/ " << owners_text({"${1}@" + domain}, t, domain)
        << "\n";
  for (const auto& [domain, logins] : t.domain_owners)
    if (!t.wildcard_domains.count(domain))
      out << "/@" << regex_literal(domain) << "$/ " << owners_text({}, t, domain) << "\n";
  if (!t.relays.empty()) out << "/@/ " << owners_text({}, t, "") << "\n";
  return out.str();
}

// FILE.tmp, then rename(2): Postfix never reads half a table.
void write_file(const std::string& file, const std::string& text) {
  std::string tmp = file + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw Error(ErrorKind::usage, "cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0644) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    if (ok) saved = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorKind::usage, "cannot write " + file + ": " + std::strerror(saved));
  }
}

int sender_logins(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "postfix sender-logins",
      "[--output FILE]",
      "Prints the outgoing users as a Postfix regexp table for smtpd_sender_login_maps: each login owns its "
      "own address, a mailbox wildcard *@domain lets every login of that domain own its own address, a "
      "bare login owns login@domain, a domain login owns every address of its domain, an --any-domain user "
      "owns every address. With reject_sender_login_mismatch, Postfix then refuses mail whose MAIL FROM the "
      "logged-in user does not own. Postfix reads the table, never the key database.",
      {},
      0,
      "Use: smtpd_sender_login_maps = regexp:/etc/postfix/dkim-sender-logins and -o "
      "smtpd_sender_restrictions=reject_sender_login_mismatch on submission; regenerate the file after "
      "user changes (Postfix rereads it on postfix reload).\n"};
  po::options_description opts("Options");
  opts.add_options()("output,o", po::value<std::string>(),
                     "write the table to FILE (mode 0644, replaced atomically) instead of stdout");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  auto store = open_store(ctx);
  std::string text = render(build_table(store));
  if (vm.count("output"))
    write_file(vm["output"].as<std::string>(), text);
  else
    std::cout << text;
  return 0;
}

}  // namespace

int cmd_postfix(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "sender-logins")
    throw Error(ErrorKind::usage, "postfix: expected sender-logins (see postfix sender-logins --help)");
  return sender_logins(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace dkim::admin
