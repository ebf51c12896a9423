// SPDX-License-Identifier: MIT
// What a long-lived reader (dkim-filter-milter) asks to notice changes.
#include "db/keystore.h"
#include "db/keystore_impl.h"

namespace dkim::db {

long long KeyStore::data_version() {
  if (backend_) return 0;
  return query_integer(impl_->db.get(), "PRAGMA data_version");
}

void KeyStore::release_memory() {
  if (impl_) sqlite3_db_release_memory(impl_->db.get());
}

}  // namespace dkim::db
