// SPDX-License-Identifier: MIT
// dkim-filter-milter: the signing rules and signer of dkim-filter as a
// milter daemon for Postfix's smtpd_milters and non_smtpd_milters
// (dkim-filter-milter(8)). main() sets the process up, opens the socket,
// detaches unless --foreground, and hands over to smfi_main(3), which
// returns on SIGTERM, SIGINT or SIGHUP.
#include <fcntl.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <string>

#include "db/keystore.h"
#include "filter/base/error.h"
#include "filter/crypto/key.h"
#include "filter/crypto/secure_heap.h"
#include "filter/milter/callbacks.h"
#include "filter/milter/key_cache.h"
#include "filter/milter/log.h"
#include "filter/milter/options.h"

namespace {

// A power of two (CRYPTO_secure_malloc_init); an RSA-2048 key's secret
// numbers take about 1 KB of it, so this holds the cache's 4096 keys.
constexpr std::size_t kSecureHeapBytes = 8 * 1024 * 1024;

void say(const std::string& line) {
  std::string text = "dkim-filter-milter: " + line + "\n";
  (void)!::write(2, text.data(), text.size());
}

std::string unix_socket_path(const std::string& spec) {
  for (const char* prefix : {"unix:", "local:"})
    if (spec.rfind(prefix, 0) == 0) return spec.substr(std::string(prefix).size());
  return {};
}

// Detaches from the terminal and the session (the classic double fork is
// not needed: setsid() in the child of one fork cannot get a terminal back
// by opening one, as we open none).
bool daemonize(bool keep_stderr) {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid > 0) std::_Exit(0);
  if (::setsid() < 0) return false;
  if (::chdir("/") != 0) return false;
  int null = ::open("/dev/null", O_RDWR);
  if (null < 0) return false;
  // --log stderr keeps standard error: the log goes there.
  for (int fd = 0; fd < (keep_stderr ? 2 : 3); ++fd) ::dup2(null, fd);
  if (null > 2) ::close(null);
  return true;
}

// On a TCP socket every reply of ours that follows another unanswered one
// (SMFIR_INSHEADER, then SMFIR_ACCEPT at the end of a message) waits under
// Nagle's algorithm for the MTA's delayed ACK, up to 40 ms on Linux
// (RFC 896, RFC 1122 section 4.2.3.2): on loopback that halved the
// messages per second. libmilter does not set TCP_NODELAY and does not
// hand out its listening socket, so it is found here (the only listening
// socket of this process) and set: Linux copies it to every connection
// accept(2) returns (bench/README.md, "The milter's socket", measures
// both). A failure only costs speed.
void disable_nagle_on_listener() {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0, domain = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) continue;
    if (domain != AF_INET && domain != AF_INET6) continue;
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

int run(const dkim::milter::Options& options, bool wiping) {
  using dkim::milter::log_notice;
  using dkim::milter::Severity;
  auto heap = dkim::crypto::enable_secure_heap(kSecureHeapBytes);
  std::string db = options.db_path.empty() ? dkim::db::default_db_path() : options.db_path;
  dkim::milter::KeyCache keys(db, options.max_staleness);
  if (!dkim::milter::register_callbacks(options, keys)) {
    say("smfi_register failed");
    return dkim::exit_code::software;
  }
  std::string spec = options.socket;
  if (smfi_setconn(spec.data()) != MI_SUCCESS) {
    say("cannot use socket " + spec);
    return dkim::exit_code::usage;
  }
  smfi_setbacklog(128);
  // A stale socket from a killed run is removed; an address in use fails.
  if (smfi_opensocket(true) != MI_SUCCESS) {
    say("cannot listen on " + spec + " (in use, or the directory is not writable)");
    return dkim::exit_code::oserr;
  }
  // The MTA's user reaches the socket through its group (the unit's
  // RuntimeDirectory), whatever the umask.
  std::string path = unix_socket_path(spec);
  if (!path.empty())
    ::chmod(path.c_str(), 0660);
  else
    disable_nagle_on_listener();
  if (!options.foreground && !daemonize(options.log == dkim::app::LogTarget::stderr_)) {
    say("cannot detach");
    return dkim::exit_code::oserr;
  }
  dkim::milter::open_log(options.log);
  log_notice(Severity::info,
             "listening on " + spec + ", database " + db + ", key memory " +
                 (heap == dkim::crypto::SecureHeap::locked     ? "locked"
                  : heap == dkim::crypto::SecureHeap::unlocked ? "NOT locked (raise LimitMEMLOCK)"
                                                               : "NOT in the secure heap") +
                 (wiping ? "" : ", freed memory NOT wiped"));
  int rc = smfi_main();
  log_notice(Severity::info, "stopped");
  return rc == MI_SUCCESS ? dkim::exit_code::ok : dkim::exit_code::software;
}

}  // namespace

int main(int argc, char** argv) {
  // Private keys live in this process: no core dumps, no ptrace by others.
  ::prctl(PR_SET_DUMPABLE, 0);
  std::signal(SIGPIPE, SIG_IGN);
  // Before anything of OpenSSL runs: its freed buffers (the PEM reader's
  // lines among them) are wiped in a process that lives for months.
  bool wiping = dkim::crypto::cleanse_freed_memory();
  dkim::crypto::initialize();
  try {
    auto options = dkim::milter::parse_options(argc, argv);
    if (!options) return dkim::exit_code::ok;
    return run(*options, wiping);
  } catch (const dkim::Error& e) {
    say(e.what());
    return dkim::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    say(std::string("internal error: ") + e.what());
    return dkim::exit_code::software;
  }
}
