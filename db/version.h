// SPDX-License-Identifier: MIT
// The SQLite this program runs with, for --version and `doctor`. The
// filter links libsqlite3 statically, so there it is the one built in.
#pragma once
#include <string>

namespace dkim::db {

/// sqlite3_libversion() (sqlite.org/c3ref/libversion.html), e.g. "3.40.1".
std::string sqlite_version();

}  // namespace dkim::db
