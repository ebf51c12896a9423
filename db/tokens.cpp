// SPDX-License-Identifier: MIT
#include "db/tokens.h"

#include <ctime>

#include "db/names.h"
#include "db/sqlite.h"
#include "filter/base/error.h"
#include "filter/crypto/secret.h"

namespace dkim::db {

struct TokenTable::Impl {
  SqlitePtr db;
};

namespace {

// 256 random bits (RFC 6750 §5.2: tokens must not be guessable); the
// prefix lets secret scanners recognise a leaked token.
constexpr std::string_view kTokenPrefix = "dkf_";
constexpr std::size_t kTokenBytes = 32;

std::vector<std::string> split_domains(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Token read_token(const Statement& st) {
  Token t;
  t.name = st.text(0);
  t.domains = split_domains(st.text(1));
  t.read_only = st.integer(2) != 0;
  t.created = st.integer(3);
  return t;
}

}  // namespace

bool Token::covers(std::string_view domain) const {
  if (domains.empty()) return true;
  for (const auto& d : domains)
    if (d == domain) return true;
  return false;
}

void check_token_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '@' || c == '-');
  if (!ok) throw Error(ErrorKind::usage, "token: a name is 1 to 64 letters, digits and . _ @ -");
}

TokenTable::TokenTable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TokenTable::TokenTable(TokenTable&&) noexcept = default;
TokenTable& TokenTable::operator=(TokenTable&&) noexcept = default;
TokenTable::~TokenTable() = default;

TokenTable TokenTable::with_backend(std::unique_ptr<Backend> backend) {
  TokenTable table(nullptr);
  table.backend_ = std::move(backend);
  return table;
}

TokenTable TokenTable::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) throw_sqlite(db.get(), rc, "cannot open " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db);
  return TokenTable(std::move(impl));
}

std::string TokenTable::add(std::string_view name, const std::vector<std::string>& domains, bool read_only) {
  check_token_name(name);
  std::string joined;
  for (const auto& d : domains) {
    std::string n = normalize_domain(d);
    if (("," + joined + ",").find("," + n + ",") == std::string::npos)
      joined += (joined.empty() ? "" : ",") + n;
  }
  std::string token = std::string(kTokenPrefix) + crypto::base64url(crypto::random_bytes(kTokenBytes));
  if (backend_) {
    if (backend_->exists(name))
      throw Error(ErrorKind::data, "token: a token named " + std::string(name) + " already exists");
    Token row;
    row.name = name;
    row.read_only = read_only;
    row.created = static_cast<long long>(std::time(nullptr));
    backend_->insert(row, joined, crypto::sha256_hex(token));
    return token;
  }
  Statement exists(impl_->db.get(), "SELECT 1 FROM tokens WHERE name = ?1");
  if (exists.bind(1, name).step())
    throw Error(ErrorKind::data, "token: a token named " + std::string(name) + " already exists");
  Statement st(impl_->db.get(),
               "INSERT INTO tokens (name, hash, domains, read_only, created) VALUES (?1, ?2, ?3, ?4, ?5)");
  st.bind(1, name)
      .bind(2, crypto::sha256_hex(token))
      .bind(3, joined)
      .bind(4, static_cast<long long>(read_only))
      .bind(5, static_cast<long long>(std::time(nullptr)));
  st.run();
  return token;
}

std::vector<Token> TokenTable::list() {
  if (backend_) {
    std::vector<Token> out;
    for (auto& row : backend_->rows()) out.push_back(row.first);
    return out;
  }
  Statement st(impl_->db.get(), "SELECT name, domains, read_only, created FROM tokens ORDER BY name");
  std::vector<Token> out;
  while (st.step()) out.push_back(read_token(st));
  return out;
}

bool TokenTable::remove(std::string_view name) {
  if (backend_) return backend_->remove(name);
  Statement st(impl_->db.get(), "DELETE FROM tokens WHERE name = ?1");
  st.bind(1, name).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

std::optional<Token> TokenTable::authenticate(std::string_view token) {
  // Every row is compared, matched or not, in constant time per row, so
  // neither which prefix matched nor where the match was shows in timing.
  std::string hash = crypto::sha256_hex(token);
  if (backend_) {
    std::optional<Token> found;
    for (auto& row : backend_->rows()) {
      bool equal = crypto::constant_time_equal(hash, row.second);
      if (equal && !found) found = row.first;
    }
    return found;
  }
  Statement st(impl_->db.get(), "SELECT name, domains, read_only, created, hash FROM tokens");
  std::optional<Token> found;
  while (st.step()) {
    bool equal = crypto::constant_time_equal(hash, st.text(4));
    if (equal && !found) found = read_token(st);
  }
  return found;
}

}  // namespace dkim::db
