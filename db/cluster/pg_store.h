// SPDX-License-Identifier: MIT
// The cluster's key store: db::KeyStore over PostgreSQL (dkim-filter-admin(8)
// "CLUSTER MODE"). Every admin command runs on it with the refusals and
// output it has on a single file; private keys are sealed under the
// cluster key on write (AES-256-GCM, associated data domain and selector)
// and opened on read, so PostgreSQL only ever holds sealed text. A
// transaction is one PostgreSQL transaction that first takes the change
// log's advisory lock: writers are serialised from their first statement,
// as BEGIN IMMEDIATE serialises them on a single file.
#pragma once
#include <string>

#include "db/keystore.h"
#include "db/tokens.h"

namespace dkim::cluster {

/// Connects to `url`, checks the cluster key in `key_file` against the
/// cluster, and migrates an older cluster schema forward. Throws
/// Error(config) for a cluster never initialised, newer than this program,
/// or made with another key; Error(temporary) when no server answers.
db::KeyStore open_store(const std::string& url, const std::string& key_file);

/// dkim-filter-web's tokens in the cluster (never copied to a node), with
/// the checks of open_store.
db::TokenTable open_tokens(const std::string& url, const std::string& key_file);

}  // namespace dkim::cluster
