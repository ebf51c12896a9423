// SPDX-License-Identifier: MIT
// backup / restore: the way to back the key database up while mail flows,
// and to put a backup back (db/backup.h says how each stays consistent).
#include <iostream>

#include "db/admin/cli.h"
#include "db/backup.h"

namespace dkim::admin {

int cmd_backup(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"backup",
                   "FILE",
                   "Writes a consistent copy of the key database to FILE while mail flows (SQLite's online "
                   "backup API), with the database's mode and group. FILE holds private keys: keep it as "
                   "safe as the database.",
                   {"FILE"},
                   1,
                   "Exit status: 0 written, 64 FILE cannot be written, 75 the database stayed locked, 78 "
                   "the database is missing or unusable.\n"};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  check_access(ctx, false);
  db::backup_database(ctx.db_path, pos[0]);
  std::cout << "backed up " << ctx.db_path << " to " << pos[0] << "\n";
  return 0;
}

int cmd_restore(Context& ctx, const std::vector<std::string>& args) {
  CommandSpec spec{"restore",
                   "FILE",
                   "Replaces the key database with the backup FILE after checking it (integrity_check, "
                   "schema, every key loads and matches its public key); an older schema is upgraded. The "
                   "swap is atomic (rename(2) in the database's directory) and keeps the database's mode, "
                   "owner and group; a file that fails a check changes nothing.",
                   {"FILE"},
                   1,
                   "Exit status: 0 restored, 64 FILE cannot be read, 65 FILE is not a valid backup "
                   "(nothing changed), 75 the database stayed locked, 78 the database path is unusable.\n"};
  po::options_description opts("Options");
  po::variables_map vm;
  std::vector<std::string> pos;
  if (!parse_command(args, spec, opts, vm, pos, ctx)) return 0;
  auto r = db::restore_database(pos[0], ctx.db_path);
  std::cout << "restored " << ctx.db_path << " from " << pos[0] << " (" << r.keys << " keys, " << r.users
            << " users, schema version " << r.schema_version;
  if (r.from_version != r.schema_version) std::cout << ", upgraded from " << r.from_version;
  std::cout << ")\n";
  return 0;
}

}  // namespace dkim::admin
