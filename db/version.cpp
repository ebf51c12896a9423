// SPDX-License-Identifier: MIT
#include "db/version.h"

#include <sqlite3.h>

namespace dkim::db {

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace dkim::db
