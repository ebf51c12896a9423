// SPDX-License-Identifier: MIT
// Boost.Beast on Boost.Asio: packaged in Debian 12 (libboost-dev 1.74),
// header-only, asynchronous (one thread serves every connection, so a slow
// client costs a socket, not a thread), and maintained with Boost itself.
// What takes CPU seconds or DNS waits (ServerConfig::offload) runs on a
// small asio::thread_pool instead, its answer posted back to that thread,
// with a bound on how many wait (beyond it: 503 and Retry-After).
//
// This is the only file of web/ that includes Boost.Asio's SSL layer, and
// with it OpenSSL's headers: TLS is the server library's business, the
// rest of the program reaches OpenSSL only through filter/crypto.
#include "web/server.h"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>

#include "filter/base/error.h"

namespace dkim::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Shared {
  const ServerConfig& config;
  const Handler& handler;
  asio::thread_pool& workers;
  std::atomic<int> connections{0};
  int offloaded = 0;  ///< on the I/O thread only
};

http::response<http::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "dkim-filter-web");
  res.set(http::field::content_type, r.content_type);
  // No page or answer is cached, framed or sniffed (RFC 9111 §5.2.2.5,
  // RFC 7034, and the Fetch standard's X-Content-Type-Options).
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
          "frame-ancestors 'none'");
  for (const auto& [k, v] : r.headers) res.insert(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

Response error_response(int status, const char* message) {
  Response r;
  r.status = status;
  r.body = std::string("{\"error\": \"") + message + "\"}\n";
  return r;
}

Response call_handler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception&) {
    return error_response(500, "internal error");
  }
}

// One connection: an optional TLS handshake, then requests until either
// side closes, a limit is hit or the peer is silent for timeout_seconds.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared& shared, std::string peer)
      : stream_(std::move(stream)), shared_(shared), peer_(std::move(peer)) {
    ++shared_.connections;
  }
  ~Session() { --shared_.connections; }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(timeout());
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  std::chrono::seconds timeout() const { return std::chrono::seconds(shared_.config.timeout_seconds); }

  void read() {
    parser_.emplace();
    parser_->body_limit(shared_.config.max_body);
    parser_->header_limit(static_cast<std::uint32_t>(shared_.config.max_header));
    beast::get_lowest_layer(stream_).expires_after(timeout());
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated)
      return close();
    if (ec == http::error::body_limit) return reply(error_response(413, "the body is too large"), false);
    if (ec == http::error::header_limit)
      return reply(error_response(431, "the header section is too large"), false);
    if (ec) return reply(error_response(400, "malformed HTTP request"), false);
    auto& req = parser_->get();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace(name, std::string(field.value()));  // first of repeated fields wins
    }
    request.body = std::move(req.body());
    request.peer = peer_;
    version_ = req.version();
    bool keep_alive = req.keep_alive();
    if (shared_.config.offload && shared_.config.offload(request))
      return offload(std::move(request), keep_alive);
    reply(call_handler(shared_.handler, request), keep_alive);
  }

  // Runs the handler on a worker; the answer is written from the I/O
  // thread, the only one that touches the connection.
  void offload(Request request, bool keep_alive) {
    if (shared_.offloaded >= shared_.config.max_offloaded) {
      Response busy = shared_.config.busy ? shared_.config.busy(request)
                                          : error_response(503, "busy generating keys; try again shortly");
      busy.headers.emplace_back("Retry-After", "5");
      return reply(busy, keep_alive);
    }
    ++shared_.offloaded;
    asio::post(shared_.workers, [self = this->shared_from_this(), request = std::move(request), keep_alive] {
      Response response = call_handler(self->shared_.handler, request);
      asio::post(beast::get_lowest_layer(self->stream_).get_executor(),
                 [self, response = std::move(response), keep_alive] {
                   --self->shared_.offloaded;
                   self->reply(response, keep_alive);
                 });
    });
  }

  void reply(const Response& response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(to_beast(response, version_, keep_alive));
    beast::get_lowest_layer(stream_).expires_after(timeout());
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  Stream stream_;
  Shared& shared_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, tcp::endpoint endpoint, Shared& shared, asio::ssl::context* tls)
      : io_(io), acceptor_(io), shared_(shared), tls_(tls) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw Error(ErrorKind::config, "web: cannot listen on " + endpoint.address().to_string() + ":" +
                                         std::to_string(endpoint.port()) + ": " + ec.message());
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void accept() {
    acceptor_.async_accept(io_, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (!ec) self->start(std::move(socket));
      if (ec != asio::error::operation_aborted) self->accept();
    });
  }

  void stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  void start(tcp::socket socket) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? "-" : remote.address().to_string();
    if (shared_.connections.load() >= shared_.config.max_connections) {
      // Over the limit: a short answer, written synchronously, then closed.
      static constexpr char kBusy[] =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      asio::write(socket, asio::buffer(kBusy, sizeof kBusy - 1), ec);
      socket.close(ec);
      return;
    }
    if (tls_) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_), shared_, peer)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared_, peer)
          ->start();
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Shared& shared_;
  asio::ssl::context* tls_;
};

std::unique_ptr<asio::ssl::context> tls_context(const ServerConfig& config) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  // TLS 1.2 and later only (RFC 8996 deprecates 1.0 and 1.1).
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  try {
    ctx->use_certificate_chain_file(config.tls_cert);
    ctx->use_private_key_file(config.tls_key, asio::ssl::context::pem);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::config, "web: cannot load --tls-cert " + config.tls_cert + " / --tls-key " +
                                       config.tls_key + ": " + e.what());
  }
  return ctx;
}

// Each connection holds one descriptor: allow as many as the hard limit.
void raise_descriptor_limit() {
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

bool is_loopback(const std::string& address) {
  beast::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

void run_server(const ServerConfig& config, const Handler& handler) {
  beast::error_code ec;
  auto address = asio::ip::make_address(config.address, ec);
  if (ec) throw Error(ErrorKind::usage, "web: --listen: not an IP address: " + config.address);
  std::unique_ptr<asio::ssl::context> tls;
  if (!config.tls_cert.empty()) tls = tls_context(config);
  raise_descriptor_limit();
  // Two workers (the machine's cores are few and the key generations are
  // bounded anyway). Joined once the I/O thread stops; the io_context is
  // destroyed next, with any sessions it still holds, before `shared`.
  asio::thread_pool workers(static_cast<std::size_t>(std::max(1, std::min(config.max_offloaded, 2))));
  Shared shared{config, handler, workers};
  asio::io_context io{1};
  auto listener = std::make_shared<Listener>(io, tcp::endpoint(address, config.port), shared, tls.get());
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    listener->stop();
    io.stop();
  });
  listener->accept();
  if (config.on_listening) config.on_listening(config.address + ":" + std::to_string(listener->port()));
  io.run();
  workers.join();
}

}  // namespace dkim::web
