// SPDX-License-Identifier: MIT
#include "filter/app/smtp_output.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "filter/base/error.h"
#include "filter/mail/smtp_data.h"

namespace dkim::app {
namespace {

// RFC 5321 §4.5.3.2's minimum client timeouts, per command and for the
// whole transfer of one block of data; the connect has none in the RFC
// (the listener is on loopback: if it does not answer at once, defer).
constexpr int kConnectSeconds = 30;
constexpr int kGreetingSeconds = 300;
constexpr int kCommandSeconds = 300;
constexpr int kDataInitSeconds = 120;
constexpr int kDataBlockSeconds = 180;
constexpr int kDataEndSeconds = 600;
constexpr std::size_t kMaxReply = 64 * 1024;  // a hostile listener cannot grow us
constexpr std::size_t kBlock = 256 * 1024;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

bool parse_target(const std::string& target, Address& out) {
  std::string host, port;
  if (!target.empty() && target[0] == '[') {
    auto close = target.find("]:");
    if (close == std::string::npos) return false;
    host = target.substr(1, close - 1);
    port = target.substr(close + 2);
  } else {
    auto colon = target.rfind(':');
    if (colon == std::string::npos || target.find(':') != colon) return false;
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return false;
  long p = std::stol(port);
  if (p < 1 || p > 65535) return false;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof *v4;
    return true;
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof *v6;
    return true;
  }
  return false;
}

struct Reply {
  int code = 0;      ///< 0: none (dropped, timed out, unparsable)
  std::string text;  ///< every line, joined with " / ", for the log
};

// One SMTP connection with a deadline on every wait. Failures are values:
// the caller turns them into an exit status.
class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool connect(const Address& a, std::string& error) {
    fd_ = ::socket(a.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return fail(error, "socket");
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0) {
      if (errno != EINPROGRESS) return fail(error, "connect");
      if (!wait(POLLOUT, kConnectSeconds)) return fail(error, "connect", ETIMEDOUT);
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) return fail(error, "connect", so_error);
    }
    int one = 1;  // commands are small and each waits for its answer
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  bool write(std::string_view data, int seconds, std::string& error) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return fail(error, "write");
      if (!wait_until(POLLOUT, deadline)) return fail(error, "write", ETIMEDOUT);
    }
    return true;
  }

  /// The next reply (RFC 5321 §4.2: "xyz-text" lines, then "xyz text").
  Reply read_reply(int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    Reply r;
    for (;;) {
      std::string line;
      if (!read_line(line, deadline)) return {0, r.text.empty() ? "connection closed or timed out" : r.text};
      if (line.size() < 3 || line.find_first_not_of("0123456789") < 3 ||
          (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
        return {0, "malformed reply: " + line.substr(0, 200)};
      int code = std::stoi(line.substr(0, 3));
      if (r.text.size() < 1024) r.text += (r.text.empty() ? "" : " / ") + line;
      if (line.size() == 3 || line[3] == ' ') {
        r.code = code;
        return r;
      }
    }
  }

 private:
  bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto nl = buffer_.find('\n', scanned_);
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        return true;
      }
      scanned_ = buffer_.size();
      if (buffer_.size() > kMaxReply) return false;
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!wait_until(POLLIN, deadline)) return false;
    }
  }

  bool wait(short events, int seconds) {
    return wait_until(events, std::chrono::steady_clock::now() + std::chrono::seconds(seconds));
  }

  bool wait_until(short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return false;
    }
  }

  static bool fail(std::string& error, const char* what, int err = errno) {
    error = std::string(what) + ": " + std::strerror(err);
    return false;
  }

  int fd_ = -1;
  std::string buffer_;
  std::size_t scanned_ = 0;
};

// "250-PIPELINING" in the EHLO reply (RFC 2920 §3; keywords are case-insensitive).
bool offers(const Reply& ehlo, std::string_view keyword) {
  std::string upper;
  for (char c : ehlo.text) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (std::size_t at = upper.find(keyword); at != std::string::npos; at = upper.find(keyword, at + 1)) {
    bool starts = at >= 4 && (upper[at - 1] == '-' || upper[at - 1] == ' ');
    std::size_t after = at + keyword.size();
    bool ends = after == upper.size() || upper[after] == ' ' || upper[after] == '/';
    if (starts && ends) return true;
  }
  return false;
}

// The enhanced status code after the reply code ("550 5.1.1 ..."), RFC 3463 §2.
bool enhanced_code(std::string_view text, int& subject, int& detail) {
  if (text.size() < 9 || (text[4] != '2' && text[4] != '4' && text[4] != '5') || text[5] != '.') return false;
  std::size_t i = 6;
  auto number = [&](int& out) {
    std::size_t start = i;
    out = 0;
    while (i < text.size() && i - start < 3 && text[i] >= '0' && text[i] <= '9')
      out = out * 10 + (text[i++] - '0');
    return i > start;
  };
  if (!number(subject) || i >= text.size() || text[i++] != '.' || !number(detail)) return false;
  return i == text.size() || text[i] == ' ';
}

class Transaction {
 public:
  Transaction(const std::string& sender, const std::vector<std::string>& recipients)
      : sender_(sender), recipients_(recipients) {}

  int run(const Address& address, int message, std::string& error) {
    if (!conn_.connect(address, error)) return exit_code::tempfail;
    int status = exit_code::ok;
    if (!expect(conn_.read_reply(kGreetingSeconds), SmtpStage::greeting, "greeting", status, error))
      return status;
    Reply ehlo = hello();
    if (!expect(ehlo, SmtpStage::hello, "EHLO", status, error)) return quit(status);
    if (!envelope(offers(ehlo, "PIPELINING"), status, error)) return quit(status);
    if (!data(message, status, error)) return quit(status);
    return quit(exit_code::ok);
  }

 private:
  // RFC 5321 §3.2: a server that refuses EHLO gets HELO.
  Reply hello() {
    std::string error;
    if (!conn_.write("EHLO localhost\r\n", kCommandSeconds, error)) return {0, error};
    Reply r = conn_.read_reply(kCommandSeconds);
    if (r.code >= 500 && r.code < 600) {
      if (!conn_.write("HELO localhost\r\n", kCommandSeconds, error)) return {0, error};
      r = conn_.read_reply(kCommandSeconds);
    }
    return r;
  }

  // MAIL, every RCPT and DATA, pipelined when offered (RFC 2920 §3.1: DATA
  // may end a group; the message waits for its 354).
  bool envelope(bool pipelining, int& status, std::string& error) {
    std::vector<std::string> commands{"MAIL FROM:<" + sender_ + ">\r\n"};
    for (const auto& r : recipients_) commands.push_back("RCPT TO:<" + r + ">\r\n");
    commands.push_back("DATA\r\n");
    std::vector<Reply> replies;
    if (pipelining) {
      std::string group;
      for (const auto& c : commands) group += c;
      if (!conn_.write(group, kCommandSeconds, error)) return fail_io(status);
      for (std::size_t i = 0; i < commands.size(); ++i)
        replies.push_back(conn_.read_reply(i + 1 == commands.size() ? kDataInitSeconds : kCommandSeconds));
    } else {
      for (std::size_t i = 0; i < commands.size(); ++i) {
        // Without pipelining a refusal ends the envelope: after MAIL, or
        // before DATA when a recipient was refused.
        if (i + 1 == commands.size() && !all_accepted(replies)) break;
        if (!conn_.write(commands[i], kCommandSeconds, error)) return fail_io(status);
        replies.push_back(conn_.read_reply(i + 1 == commands.size() ? kDataInitSeconds : kCommandSeconds));
        if (i == 0 && replies[0].code / 100 != 2) break;
      }
    }
    return judge(commands, replies, status, error);
  }

  static bool all_accepted(const std::vector<Reply>& replies) {
    for (const auto& r : replies)
      if (r.code / 100 != 2) return false;
    return true;
  }

  // Every recipient or none: a message is never accepted for some of its
  // recipients while the others are refused, since our exit status speaks
  // for all of them (pipe(8)).
  bool judge(const std::vector<std::string>& commands, const std::vector<Reply>& replies, int& status,
             std::string& error) {
    const Reply& mail = replies[0];
    if (mail.code / 100 != 2) return refuse(mail, SmtpStage::mail, "MAIL FROM", status, error);
    std::size_t accepted = 0, permanent = 0;
    const Reply* first_refusal = nullptr;
    for (std::size_t i = 1; i + 1 < commands.size() && i < replies.size(); ++i) {
      if (replies[i].code / 100 == 2) {
        ++accepted;
        continue;
      }
      if (!first_refusal) first_refusal = &replies[i];
      if (replies[i].code / 100 == 5) ++permanent;
    }
    bool data_ready = replies.size() == commands.size() && replies.back().code == 354;
    in_data_ = data_ready;
    if (first_refusal) {
      if (permanent == recipients_.size())
        return refuse(*first_refusal, SmtpStage::rcpt, "RCPT TO", status, error);
      status = exit_code::tempfail;
      error = "smtp: RCPT TO refused: " + first_refusal->text +
              (accepted ? " (others accepted: the whole message is deferred)" : "");
      return false;
    }
    if (!data_ready) {
      const Reply& d = replies.size() == commands.size() ? replies.back() : Reply{0, "no reply to DATA"};
      return refuse(d, SmtpStage::data, "DATA", status, error);
    }
    return true;
  }

  // The message, dot-stuffed, then "." only once all of it went.
  bool data(int message, int& status, std::string& error) {
    std::unique_ptr<char[]> in(new char[kBlock]);
    std::string out;
    out.reserve(kBlock * 2 + 8);
    mail::SmtpDataEncoder encoder;
    for (;;) {
      ssize_t n = ::read(message, in.get(), kBlock);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = exit_code::tempfail;
        error = std::string("smtp: reading the message: ") + std::strerror(errno);
        return false;  // returning drops the connection: no "." was sent
      }
      if (n == 0) break;
      out.clear();
      encoder.encode(std::string_view(in.get(), static_cast<std::size_t>(n)), out);
      if (!conn_.write(out, kDataBlockSeconds, error)) return fail_io(status);
    }
    out.clear();
    encoder.finish(out);
    if (!conn_.write(out, kDataBlockSeconds, error)) return fail_io(status);
    in_data_ = false;
    return expect(conn_.read_reply(kDataEndSeconds), SmtpStage::end_of_data, "end of data", status, error);
  }

  bool expect(const Reply& r, SmtpStage stage, const char* what, int& status, std::string& error) {
    if (r.code / 100 == 2) return true;
    return refuse(r, stage, what, status, error);
  }

  bool refuse(const Reply& r, SmtpStage stage, const char* what, int& status, std::string& error) {
    status = smtp_exit_code(r.code, r.text, stage);
    error = std::string("smtp: ") + what + (r.code ? " refused: " : " failed: ") + r.text;
    return false;
  }

  bool fail_io(int& status) {
    status = exit_code::tempfail;
    return false;
  }

  // QUIT without waiting long for its 221 (RFC 5321 §4.1.1.10): the
  // outcome is already known. Never inside DATA, where it would be text:
  // there the only way out without sending is to drop the connection
  // before the final "." (§4.1.1.4), and the server discards the message.
  int quit(int status) {
    if (in_data_) return status;
    std::string ignored;
    if (conn_.write("QUIT\r\n", 5, ignored)) conn_.read_reply(5);
    return status;
  }

  Connection conn_;
  bool in_data_ = false;  ///< after 354, before the final "."
  const std::string& sender_;
  const std::vector<std::string>& recipients_;
};

}  // namespace

std::string smtp_target_problem(const std::string& target) {
  Address a;
  if (parse_target(target, a)) return {};
  return "--smtp must be IPv4:PORT or [IPv6]:PORT (e.g. 127.0.0.1:10026), not '" + target + "'";
}

int smtp_exit_code(int reply_code, std::string_view reply_text, SmtpStage stage) {
  if (reply_code / 100 != 5) return exit_code::tempfail;
  int subject = 0, detail = 0;
  if (enhanced_code(reply_text, subject, detail)) {
    switch (subject) {
      case 1:
        if (detail == 1 || detail == 3 || detail == 6) return exit_code::nouser;
        if (detail == 2) return exit_code::nohost;
        return exit_code::dataerr;
      case 5:
        return exit_code::protocol;
      case 6:
        return exit_code::dataerr;
      case 7:
        return exit_code::noperm;
      default:
        return exit_code::unavailable;
    }
  }
  if ((reply_code >= 500 && reply_code <= 504) || reply_code == 555) return exit_code::protocol;
  if (stage == SmtpStage::rcpt && (reply_code == 550 || reply_code == 551 || reply_code == 553))
    return exit_code::nouser;
  return exit_code::unavailable;
}

SmtpSink::SmtpSink(std::string target, std::string sender, std::vector<std::string> recipients)
    : target_(std::move(target)), sender_(std::move(sender)), recipients_(std::move(recipients)) {}

int SmtpSink::send(int message, std::string& error) noexcept {
  try {
    Address address;
    if (!parse_target(target_, address)) {
      error = "smtp: " + smtp_target_problem(target_);
      return exit_code::tempfail;
    }
    Transaction t(sender_, recipients_);
    std::string detail;
    int status = t.run(address, message, detail);
    if (status != exit_code::ok)
      error = detail.rfind("smtp: ", 0) == 0 ? detail : "smtp: " + target_ + ": " + detail;
    return status;
  } catch (const std::exception& e) {  // out of memory
    error = std::string("smtp: ") + e.what();
    return exit_code::tempfail;
  }
}

}  // namespace dkim::app
