// SPDX-License-Identifier: MIT
#include "db/dns/tsig_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/key.h"

namespace dkim::db::dns {
namespace {

constexpr size_t kMaxFile = 64 * 1024;
constexpr const char* kAlgorithms[] = {"hmac-sha256", "hmac-sha384", "hmac-sha512"};

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "tsig: " + what); }

struct Token {
  enum Kind { word, quoted, punct } kind;
  std::string text;
};

// named.conf(5) lexical rules: words, "quoted strings", the punctuation
// { } ;, and comments in C, C++ and shell style.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || s.substr(i, 2) == "//") {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) fail("unterminated /* comment");
      i = end + 2;
    } else if (c == '{' || c == '}' || c == ';') {
      out.push_back({Token::punct, std::string(1, c)});
      ++i;
    } else if (c == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string_view::npos) fail("unterminated quoted string");
      out.push_back({Token::quoted, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '_' ||
                              s[i] == '.' || s[i] == '+' || s[i] == '/' || s[i] == '='))
        ++i;
      out.push_back({Token::word, std::string(s.substr(start, i - start))});
    } else {
      fail("unexpected character (code " + std::to_string(static_cast<unsigned char>(c)) + ")");
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// RFC 8945 §4.2: the key name is a domain name; we accept letters,
// digits, '-', '_' and '.' labels of 1 to 63 octets.
std::string key_name(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) fail("the key name must be a domain name");
  size_t label = 0;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    if (c == '.') {
      if (label == 0) fail("the key name must be a domain name");
      label = 0;
    } else if (!ok || ++label > 63) {
      fail("the key name must be a domain name");
    }
  }
  if (label == 0) fail("the key name must be a domain name");
  return lower(name);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  TsigKey key() {
    TsigKey key;
    expect_word("key");
    const Token& name = next("a key name");
    if (name.kind == Token::punct) fail("expected a key name after 'key'");
    key.name = key_name(name.text);
    expect_punct("{");
    std::optional<std::string> algorithm, secret;
    while (!peek_punct("}")) {
      std::string clause = lower(next("'algorithm', 'secret' or '}'").text);
      const Token& value = next("a value for " + clause);
      if (value.kind == Token::punct) fail("expected a value after '" + clause + "'");
      if (clause == "algorithm") {
        if (algorithm) fail("algorithm given twice");
        algorithm = lower(value.text);
      } else if (clause == "secret") {
        if (secret) fail("secret given twice");
        secret = value.text;
      } else {
        fail("unknown clause '" + clause.substr(0, 20) + "' in the key statement");
      }
      expect_punct(";");
    }
    ++i_;
    expect_punct(";");
    if (i_ != t_.size()) fail("one key statement per file, and nothing after it");
    if (!algorithm) fail("the key has no algorithm");
    if (!secret) fail("the key has no secret");
    key.algorithm = supported(*algorithm);
    auto decoded = crypto::base64_decode(*secret);
    if (!decoded || decoded->empty()) fail("the secret is not base64");
    crypto::cleanse(*decoded);
    key.secret = std::move(*secret);
    crypto::cleanse(*secret);
    return key;
  }

 private:
  static std::string supported(std::string algorithm) {
    if (!algorithm.empty() && algorithm.back() == '.') algorithm.pop_back();  // a domain name, RFC 8945 §4.2
    for (const char* a : kAlgorithms)
      if (algorithm == a) return algorithm;
    fail("algorithm '" + algorithm.substr(0, 30) + "' is not supported (use hmac-sha256, RFC 8945 §6)");
  }
  const Token& next(const std::string& what) {
    if (i_ >= t_.size()) fail("the file ends where " + what + " was expected");
    return t_[i_++];
  }
  bool peek_punct(const char* p) {
    if (i_ >= t_.size()) fail("the file ends inside the key statement (missing '}')");
    return t_[i_].kind == Token::punct && t_[i_].text == p;
  }
  void expect_punct(const char* p) {
    const Token& t = next(std::string("'") + p + "'");
    if (t.kind != Token::punct || t.text != p) fail(std::string("expected '") + p + "'");
  }
  void expect_word(const char* w) {
    const Token& t = next(std::string("'") + w + "'");
    if (t.kind != Token::word || lower(t.text) != w) fail(std::string("expected '") + w + "' statement");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

}  // namespace

TsigKey::~TsigKey() { crypto::cleanse(secret); }

TsigKey parse_tsig_key(std::string_view text) {
  auto tokens = tokenize(text);
  TsigKey key = Parser(std::move(tokens)).key();
  return key;
}

TsigKey read_tsig_key(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail("cannot read key file " + file + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(file + " is not a regular file");
  }
  if (st.st_mode & 007) {
    ::close(fd);
    fail("key file " + file + " is accessible by others: run chmod o-rwx " + file);
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || text.size() + static_cast<size_t>(n) > kMaxFile) {
      ::close(fd);
      crypto::cleanse(text);
      fail(n < 0 ? "cannot read " + file : file + " is too large to be a key file");
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::memset(buf, 0, sizeof buf);
  try {
    TsigKey key = parse_tsig_key(text);
    crypto::cleanse(text);
    return key;
  } catch (const Error& e) {
    crypto::cleanse(text);
    throw Error(ErrorKind::config, std::string(e.what()) + " (in " + file + ")");
  }
}

}  // namespace dkim::db::dns
