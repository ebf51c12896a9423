// SPDX-License-Identifier: MIT
#include "db/cluster/cluster_key.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "filter/base/error.h"
#include "filter/crypto/base64.h"
#include "filter/crypto/key.h"
#include "filter/crypto/seal.h"

namespace dkim::cluster {
namespace {

constexpr std::string_view kCheckText = "dkim-filter cluster key check";
constexpr std::string_view kCheckAad = "dkim-filter cluster key check";
constexpr const char* kGroup = "dkim-filter";

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::config, "cluster: " + what); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64 hex digits or base64 of 32 bytes, surrounding whitespace ignored.
std::string decode_key(std::string text) {
  while (!text.empty() && std::strchr(" \t\r\n", text.back())) text.pop_back();
  size_t start = text.find_first_not_of(" \t\r\n");
  text.erase(0, start == std::string::npos ? text.size() : start);
  std::string key;
  if (text.size() == 2 * crypto::kSealKeyBytes) {
    for (size_t i = 0; i < text.size(); i += 2) {
      int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
      if (hi < 0 || lo < 0) break;
      key += static_cast<char>(hi * 16 + lo);
    }
    if (key.size() == crypto::kSealKeyBytes) return key;
  }
  crypto::cleanse(key);
  auto decoded = crypto::base64_decode(text);
  crypto::cleanse(text);
  if (decoded && decoded->size() == crypto::kSealKeyBytes) return *decoded;
  if (decoded) crypto::cleanse(*decoded);
  return {};
}

}  // namespace

std::string load_cluster_key(const std::string& path) {
  if (path.empty()) fail("no cluster key file (set cluster-key = FILE or --cluster-key FILE)");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    fail("cannot read cluster key " + path + ": " + std::strerror(errno) +
         (errno == ENOENT ? " (copy it from the admin host, or create it with dkim-filter-admin cluster init)"
                          : ""));
  struct stat st {};
  std::string text(256, '\0');
  ssize_t n = ::fstat(fd, &st) == 0 ? ::read(fd, text.data(), text.size()) : -1;
  int saved = errno;
  ::close(fd);
  if (n < 0) fail("cannot read cluster key " + path + ": " + std::strerror(saved));
  if (st.st_mode & 007) {
    crypto::cleanse(text);
    fail("cluster key " + path + " is accessible by others: run chmod 0640 " + path);
  }
  text.resize(static_cast<size_t>(n));
  std::string key = decode_key(std::move(text));
  if (key.empty())
    fail("cluster key " + path + " is not 32 bytes in base64 or hex (a file made by cluster init)");
  return key;
}

void create_cluster_key(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      fail("cluster key " + path + " already exists; it is kept (remove it to make a new one)");
    fail("cannot create cluster key " + path + ": " + std::strerror(errno));
  }
  std::string key = crypto::random_bytes(crypto::kSealKeyBytes);
  std::string text = crypto::base64_encode(key) + "\n";
  crypto::cleanse(key);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  crypto::cleanse(text);
  // Readable by the group of the nodes' dkim-filter-sync, never by others.
  if (ok) {
    if (struct group* g = ::getgrnam(kGroup)) ok = ::fchown(fd, static_cast<uid_t>(-1), g->gr_gid) == 0;
  }
  ok = ok && ::fchmod(fd, 0640) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    fail("cannot write cluster key " + path + ": " + std::strerror(saved));
  }
}

std::string key_aad(std::string_view domain, std::string_view selector) {
  // NUL cannot occur in a domain or selector: the split is unambiguous.
  std::string aad = "dkim-filter key";
  aad += '\0';
  aad.append(domain);
  aad += '\0';
  aad.append(selector);
  return aad;
}

std::string make_key_check(const std::string& key) { return crypto::seal(key, kCheckText, kCheckAad); }

bool key_check_matches(const std::string& key, const std::string& check) {
  auto text = crypto::open_sealed(key, check, kCheckAad);
  return text && *text == kCheckText;
}

std::string seal_private_key(const std::string& key, std::string_view domain, std::string_view selector,
                             std::string_view pem) {
  return crypto::seal(key, pem, key_aad(domain, selector));
}

std::string open_private_key(const std::string& key, std::string_view domain, std::string_view selector,
                             std::string_view sealed) {
  auto pem = crypto::open_sealed(key, sealed, key_aad(domain, selector));
  if (!pem)
    throw Error(ErrorKind::config, "cluster: the private key of " + std::string(selector) + "._domainkey." +
                                       std::string(domain) +
                                       " does not decrypt under the cluster key (wrong cluster key, or "
                                       "the row was altered)");
  return *pem;
}

}  // namespace dkim::cluster
