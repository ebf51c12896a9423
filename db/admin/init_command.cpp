// SPDX-License-Identifier: MIT
// init: creates the database (mode 0640) or migrates an existing one.
#include <sys/stat.h>

#include <iostream>

#include "db/admin/cli.h"

namespace dkim::admin {

int cmd_init(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{
      "init",
      "",
      "Creates the key database (mode 0640, its directory 0750 if missing) or upgrades an existing "
      "one to the current schema. Safe to run again.",
      {},
      0,
      ""};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  struct stat st {};
  bool existed = ::stat(ctx.db_path.c_str(), &st) == 0;
  auto store = db::KeyStore::create(ctx.db_path);
  if (existed && (st.st_mode & 007))
    warn(ctx.db_path + " is accessible by others; the filter refuses it (chmod 0640 " + ctx.db_path + ")");
  std::cout << (existed ? "database " : "created ") << ctx.db_path << " (schema version "
            << store.schema_version() << ")\n";
  return 0;
}

}  // namespace dkim::admin
