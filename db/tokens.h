// SPDX-License-Identifier: MIT
// Bearer tokens of dkim-filter-web (RFC 6750), kept in the key database's
// `tokens` table: `dkim-filter-admin token add|list|delete` writes them,
// the daemon checks each request's token against them. Only a token's
// SHA-256 is stored; checking compares every stored hash in constant time.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dkim::db {

struct Token {
  std::string name;
  std::vector<std::string> domains;  ///< empty: an administrator's token
  bool read_only = false;
  long long created = 0;

  bool is_admin() const { return domains.empty(); }
  /// An administrator's token, or one that lists `domain` exactly.
  bool covers(std::string_view domain) const;
};

class TokenTable {
 public:
  /// On a database that KeyStore::open_writer (or create) has brought to
  /// the current schema. Throws Error(config/temporary) as KeyStore does.
  static TokenTable open(const std::string& path);
  /// Another home for the table (cluster mode: PostgreSQL).
  class Backend;
  static TokenTable with_backend(std::unique_ptr<Backend> backend);
  TokenTable(TokenTable&&) noexcept;
  TokenTable& operator=(TokenTable&&) noexcept;
  ~TokenTable();

  /// Stores a new token and returns its text, the only time it exists
  /// outside the caller's hands. Error(usage) for a bad name or domain,
  /// Error(data) when the name is taken.
  std::string add(std::string_view name, const std::vector<std::string>& domains, bool read_only);
  std::vector<Token> list();
  bool remove(std::string_view name);
  /// The token whose hash matches, if any.
  std::optional<Token> authenticate(std::string_view token);

 private:
  struct Impl;
  explicit TokenTable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;        // the SQLite file, or null with a backend
  std::unique_ptr<Backend> backend_;  // null for the SQLite file
};

/// Rows of the tokens table elsewhere; TokenTable keeps the checks.
class TokenTable::Backend {
 public:
  virtual ~Backend() = default;
  virtual bool exists(std::string_view name) = 0;
  /// `domains` comma-joined, as stored.
  virtual void insert(const Token& token, const std::string& domains, const std::string& hash) = 0;
  /// Every token ordered by name (bytes), each with its stored hash.
  virtual std::vector<std::pair<Token, std::string>> rows() = 0;
  virtual bool remove(std::string_view name) = 0;
};

/// Error(usage) unless `name` is 1 to 64 of [A-Za-z0-9._@-].
void check_token_name(std::string_view name);

}  // namespace dkim::db
