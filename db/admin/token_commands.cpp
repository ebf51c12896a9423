// SPDX-License-Identifier: MIT
// token add / list / delete: the bearer tokens (RFC 6750) with which
// dkim-filter-web's API and control panel are used. A token without
// --domain is an administrator's; one with domains sees and changes only
// those domains' keys and the users whose own domain it lists.
#include <iostream>

#include "db/admin/cli.h"
#include "db/cluster/pg_store.h"
#include "db/tokens.h"
#include "filter/base/error.h"

namespace dkim::admin {
namespace {

db::TokenTable open_tokens(const Context& ctx) {
  if (cluster_mode(ctx)) return cluster::open_tokens(ctx.cluster_url, ctx.cluster_key_file);
  open_store(ctx);  // checks and migrates the database first
  return db::TokenTable::open(ctx.db_path);
}

std::string domains_text(const db::Token& t) {
  std::string out;
  for (const auto& d : t.domains) out += (out.empty() ? "" : ",") + d;
  return out.empty() ? "*" : out;
}

int token_add(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"token add",
                   "NAME [--domain DOMAIN]... [--read-only]",
                   "Creates a bearer token for dkim-filter-web and prints it, once: only its SHA-256 is "
                   "stored. Without --domain the token is an administrator's.",
                   {"NAME"},
                   1,
                   ""};
  po::options_description opts("Options");
  opts.add_options()("domain", po::value<std::vector<std::string>>(),
                     "a domain the token may manage (repeatable)")("read-only",
                                                                   "the token may read but not change");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  std::vector<std::string> domains;
  if (vm.count("domain")) domains = vm["domain"].as<std::vector<std::string>>();
  db::check_token_name(pos[0]);
  auto tokens = open_tokens(ctx);
  std::cout << tokens.add(pos[0], domains, vm.count("read-only") > 0) << "\n";
  return 0;
}

int token_list(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"token list", "[--json]", "Lists tokens (names and scopes, never the tokens).", {}, 0, ""};
  po::options_description opts("Options");
  opts.add_options()("json", "JSON array output");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  auto list = open_tokens(ctx).list();
  if (!vm.count("json")) {
    for (const auto& t : list)
      std::cout << t.name << "\t" << domains_text(t) << "\t" << (t.read_only ? "read-only" : "read-write")
                << "\t" << iso_time(t.created) << "\n";
    return 0;
  }
  std::cout << "[";
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    std::string doms;
    for (const auto& d : t.domains) doms += (doms.empty() ? "" : ", ") + json_string(d);
    std::cout << (i ? ",\n " : "") << "{\"name\": " << json_string(t.name) << ", \"domains\": [" << doms
              << "], \"read_only\": " << (t.read_only ? "true" : "false")
              << ", \"created\": " << json_string(iso_time(t.created)) << "}";
  }
  std::cout << "]\n";
  return 0;
}

int token_delete(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"token delete", "NAME", "Deletes a token: it stops working at once.", {"NAME"}, 1, ""};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  if (!open_tokens(ctx).remove(pos[0])) throw Error(ErrorKind::data, "token delete: no token " + pos[0]);
  return 0;
}

}  // namespace

int cmd_token(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "Usage: dkim-filter-admin token (add|list|delete) ... [--help]\n";
    return args.empty() ? exit_code::usage : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& sub = args[0];
  if (sub == "add") return token_add(ctx, rest);
  if (sub == "list") return token_list(ctx, rest);
  if (sub == "delete") return token_delete(ctx, rest);
  throw Error(ErrorKind::usage, "unknown command 'token " + sub + "' (see token --help)");
}

}  // namespace dkim::admin
