// SPDX-License-Identifier: MIT
// dkim-filter(8) "SIGNING RULES", in order.
// Each rule that stops signing names a stable reason for the log line.
#include "filter/policy/decide.h"

#include <algorithm>

#include "filter/dkim/selector.h"
#include "filter/mail/domain_name.h"
#include "filter/mail/from_domain.h"
#include "filter/mail/ip_address.h"

namespace dkim::policy {
namespace {

/// The outgoing user, or why there is none.
struct UserPick {
  std::optional<UserRecord> record;
  std::string tried;        ///< the name looked up, for the log
  std::string_view reason;  ///< set when record is empty
};

/// A login: its own row, else its domain's mailbox wildcard ("*@domain",
/// exactly that domain). The most specific wins: a listed login, whatever
/// its settings, overrides the wildcard.
std::optional<UserRecord> lookup_login(const std::string& login, Directory& directory) {
  if (auto record = directory.user_by_login(login)) return record;
  if (auto wildcard = mailbox_wildcard_for(login)) return directory.user_by_login(*wildcard);
  return std::nullopt;
}

/// A named user (SASL login or default-user): an IP address is looked up
/// as an IP user, anything else as a login or domain user.
UserPick lookup_named(std::string_view name, Directory& directory) {
  UserPick pick;
  if (auto ip = mail::canonical_ip(name)) {
    pick.tried = *ip;
    pick.record = directory.user_by_ip(*ip);
  } else {
    pick.tried = mail::ascii_lower(name);
    pick.record = lookup_login(pick.tried, directory);
  }
  if (!pick.record) pick.reason = "unknown-user";
  return pick;
}

/// Rule 1: the SASL user; else the IP user matching the client address;
/// else default-user. A SASL user that is unknown does not fall back: the
/// MTA authenticated exactly that user. A client address without an IP user
/// falls back to default-user (local submission through a loopback
/// address), and without one is an unknown user named by its address.
UserPick pick_user(const Request& request, Directory& directory) {
  if (!request.sasl_user.empty()) {
    UserPick pick;
    pick.tried = mail::ascii_lower(request.sasl_user);
    pick.record = lookup_login(pick.tried, directory);
    if (!pick.record) pick.reason = "unknown-user";
    return pick;
  }
  std::optional<std::string> client = mail::canonical_ip(request.client_ip);
  if (client) {
    if (auto record = directory.user_by_ip(*client)) return {record, *client, {}};
  }
  if (!request.default_user.empty()) return lookup_named(request.default_user, directory);
  if (client) return {std::nullopt, *client, "unknown-user"};
  return {std::nullopt, {}, "no-user"};
}

/// Rule 7's list, cleaned: trimmed, lower-cased, empties and repeats
/// dropped, order kept (the first selector gives the first signature). A
/// stored selector outside RFC 6376 §3.1's syntax goes to `bad` instead:
/// it would otherwise be written into s= as it is.
std::vector<std::string> clean_selectors(const std::vector<std::string>& selectors,
                                         std::vector<std::string>& bad) {
  std::vector<std::string> out;
  for (const std::string& raw : selectors) {
    std::size_t begin = raw.find_first_not_of(" \t");
    if (begin == std::string::npos) continue;
    std::size_t end = raw.find_last_not_of(" \t");
    std::string selector = mail::ascii_lower(std::string_view(raw).substr(begin, end - begin + 1));
    if (!is_valid_selector(selector))
      bad.push_back(raw);
    else if (std::find(out.begin(), out.end(), selector) == out.end())
      out.push_back(selector);
  }
  return out;
}

/// Rule 5: the key for `selector` in the first of `domains` that has one.
/// The domain where it is found is the d= to sign with.
std::optional<KeyRef> find_key(Directory& directory, const std::vector<std::string>& domains,
                               const std::string& selector) {
  for (const std::string& domain : domains)
    if (directory.has_key(domain, selector)) return KeyRef{domain, selector};
  return std::nullopt;
}

/// Rule 6: "assuming they do not have their own DKIM" - a signature whose
/// d= is the From domain, or a domain we would sign as, is already there.
bool already_signed(const Request& request, const Decision& decision) {
  for (const std::string& existing : request.existing_signature_domains) {
    std::string d = mail::ascii_lower(existing);
    while (!d.empty() && d.back() == '.') d.pop_back();  // "example.com." is the same name
    if (d == decision.from_domain) return true;
    for (const KeyRef& key : decision.keys)
      if (d == key.domain) return true;
  }
  return false;
}

Decision stop(Decision decision, std::string_view reason) {
  decision.sign = false;
  decision.reason = std::string(reason);
  decision.keys.clear();
  return decision;
}

}  // namespace

std::vector<std::string> key_domains(const UserRecord& user, std::string_view from_domain) {
  std::vector<std::string> domains = mail::domain_and_parents(from_domain);
  if (user.any_domain) return domains;
  std::optional<std::string> own = mail::normalize_domain(user.domain);
  auto last = own ? std::find(domains.begin(), domains.end(), *own) : domains.end();
  if (last == domains.end()) return {};  // not the user's domain nor below it
  domains.erase(last + 1, domains.end());
  return domains;
}

bool may_sign_with(const UserRecord& user, std::string_view key_domain, std::string_view selector) {
  if (user.reauthenticating) return false;
  std::vector<std::string> bad;
  std::vector<std::string> selectors = clean_selectors(user.selectors, bad);
  if (std::find(selectors.begin(), selectors.end(), mail::ascii_lower(selector)) == selectors.end())
    return false;
  if (user.any_domain) return true;
  std::optional<std::string> own = mail::normalize_domain(user.domain);
  return own && mail::is_same_or_subdomain(key_domain, *own);
}

Decision decide(const Request& request, Directory& directory) {
  Decision decision;
  UserPick pick = pick_user(request, directory);
  decision.user = pick.record ? pick.record->name : pick.tried;
  if (!pick.record) return stop(decision, pick.reason);
  const UserRecord& user = *pick.record;
  // Rule 2: "DKIM signing is unavailable if you are using a
  // re-authenticating user" - checked before the selector so the log says why.
  if (user.reauthenticating) return stop(decision, "reauthenticating");
  std::vector<std::string> selectors = clean_selectors(user.selectors, decision.bad_selectors);
  if (selectors.empty() && decision.bad_selectors.empty()) return stop(decision, "no-selector");
  // Rule 3.
  mail::FromDomain from = mail::from_domain(request.from_values);
  if (!from.ok()) return stop(decision, mail::reason(from.problem));
  decision.from_domain = from.domain;
  // Rule 4: a user signs for its own domain and subdomains only.
  if (!user.any_domain) {
    std::optional<std::string> own = mail::normalize_domain(user.domain);
    if (!own || !mail::is_same_or_subdomain(from.domain, *own)) return stop(decision, "foreign-domain");
  }
  // Rules 5 and 7: one key per selector that has one, in selector order.
  std::vector<std::string> domains = key_domains(user, from.domain);
  for (const std::string& selector : selectors)
    if (auto key = find_key(directory, domains, selector)) decision.keys.push_back(*key);
  if (decision.keys.empty()) return stop(decision, "no-key");
  if (already_signed(request, decision)) return stop(decision, "already-signed");
  decision.sign = true;
  decision.reason = "signed";
  return decision;
}

}  // namespace dkim::policy
