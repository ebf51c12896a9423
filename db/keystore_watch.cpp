// SPDX-License-Identifier: MIT
// What a long-lived reader (dkim-filter-milter) asks to notice changes.
#include "db/keystore.h"
#include "db/keystore_impl.h"

namespace dkim::db {

long long KeyStore::data_version() { return backend_->data_version(); }

void KeyStore::release_memory() { backend_->release_memory(); }

long long SqliteBackend::data_version() { return query_integer(db_.get(), "PRAGMA data_version"); }

void SqliteBackend::release_memory() { sqlite3_db_release_memory(db_.get()); }

}  // namespace dkim::db
