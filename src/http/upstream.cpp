#include "http/upstream.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>

#include "common/strings.hpp"
#include "http/beast_pch.hpp"
#include "http/url.hpp"

namespace mcpgate::http {
using namespace std::literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Error = UpstreamError;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

Error fail(std::string message, bool timed_out = false) { return Error::because(std::move(message), timed_out); }

boost::system::result<HttpTarget, Error> parse_origin(const std::string& url) {
  std::string error;
  auto target = parse_http_url(url, error);
  if (!target) return fail(error);
  return *target;
}

struct ParsedUrl {
  HttpTarget target;
  std::string origin;
};

// A proxy sends request after request to the same few URLs; parsing each again costs more
// than looking it up. Per thread, so no lock; cleared rather than evicted, as it only fills up
// when URLs carry ever-changing queries.
boost::system::result<std::shared_ptr<const ParsedUrl>, Error> parse_origin_cached(const std::string& url) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const ParsedUrl>> cache;
  auto it = cache.find(url);
  if (it != cache.end()) return it->second;
  auto parsed = parse_origin(url);
  if (!parsed) return parsed.error();
  if (cache.size() >= 256) cache.clear();
  auto entry = std::make_shared<const ParsedUrl>(ParsedUrl{*parsed, parsed->origin()});
  cache.emplace(url, entry);
  return entry;
}

// Whether a request can be written without Beast reconciling its framing: it brings no Host,
// Content-Length, Transfer-Encoding or Connection field of its own (what the gateway forwards).
bool plain_fields(const Headers& headers) {
  for (auto [n, v] : headers.fields())
    if (iequals(n, "Host") || iequals(n, "Content-Length") || iequals(n, "Transfer-Encoding") ||
        iequals(n, "Connection"))
      return false;
  return true;
}

// What Beast would write for such a request, built in one string (the pooled connection's, so
// its capacity carries over): Beast's serializer walks a long chain of buffer sequences per
// field, which costs more than the copy.
void serialize_request(std::string& out, std::string_view method, const HttpTarget& target, const Headers& headers,
                       std::string_view body, bool sized) {
  size_t size = method.size() + target.target.size() + target.host_header.size() + body.size() + 64;
  for (auto [n, v] : headers.fields()) size += n.size() + v.size() + 4;
  out.clear();
  out.reserve(size);
  out.append(method).append(" "sv).append(target.target).append(" HTTP/1.1\r\n"sv);
  for (auto [n, v] : headers.fields()) out.append(n).append(": "sv).append(v).append("\r\n"sv);
  out.append("Host: "sv).append(target.host_header).append("\r\n"sv);
  if (sized) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
    out.append("Content-Length: "sv).append(digits, end).append("\r\n"sv);
  }
  out.append("\r\n"sv).append(body);
}

struct Connection {
  static constexpr size_t kBodyBuffer = 16 * 1024;
  std::string origin_key;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::string request_bytes;  // the request being sent, reused by the next one
  // Where response bodies are read into. Kept with the connection rather than in each read's
  // coroutine frame: a 16 KiB frame per read is too big for Asio's frame recycling, and
  // allocating and freeing it on every read kept malloc consolidating.
  std::unique_ptr<char[]> body_buffer = std::make_unique_for_overwrite<char[]>(kBodyBuffer);

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  auto visit(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }
};

bool public_ipv4(const asio::ip::address_v4& a) {
  auto v = a.to_uint();
  auto in = [v](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) || in(0xA9FE0000, 16) ||
           in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0000200, 24) || in(0xC0A80000, 16) || in(0xC6120000, 15) ||
           in(0xC6336400, 24) || in(0xCB007100, 24) || in(0xE0000000, 4) || in(0xF0000000, 4));
}

bool public_ip(const asio::ip::address& address) {
  if (address.is_v4()) return public_ipv4(address.to_v4());
  auto a = address.to_v6();
  if (a.is_v4_mapped()) return public_ipv4(asio::ip::make_address_v4(asio::ip::v4_mapped, a));
  auto b = a.to_bytes();
  bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b;  // 64:ff9b::/96
  if (nat64) return public_ipv4(asio::ip::address_v4({b[12], b[13], b[14], b[15]}));
  bool documentation = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;  // 2001:db8::/32
  if (b[0] == 0x20 && b[1] == 0x02) return public_ipv4(asio::ip::address_v4({b[2], b[3], b[4], b[5]}));  // 6to4
  bool local_nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01;
  bool v4_compatible = std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; });  // ::/96
  if (local_nat64 || v4_compatible) return false;
  return !(a.is_loopback() || a.is_unspecified() || a.is_link_local() || a.is_site_local() || a.is_multicast() ||
           (b[0] & 0xfe) == 0xfc || documentation);  // fc00::/7: unique local
}

}  // namespace

bool is_public_address(std::string_view ip) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(ip), ec);
  return !ec && public_ip(address);
}

struct UpstreamClient::Impl {
  asio::any_io_executor executor;
  UpstreamOptions options;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard guard(mutex);
    auto& list = idle[key];
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (c->lowest().socket().is_open()) return c;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> c) {
    if (!c || !c->lowest().socket().is_open()) return;
    c->lowest().expires_never();
    std::lock_guard guard(mutex);
    auto& list = idle[c->origin_key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }

  Task<boost::system::result<std::unique_ptr<Connection>, Error>> connect(HttpTarget origin) {
    tcp::resolver::results_type endpoints;
    boost::system::error_code not_ip;
    auto address = asio::ip::make_address(origin.host, not_ip);
    unsigned port = 0;
    auto parsed_port = std::from_chars(origin.port.data(), origin.port.data() + origin.port.size(), port);
    bool literal = !not_ip && parsed_port.ec == std::errc() && port <= 65535;
    if (literal) {
      // An address needs no resolving, and Asio resolves on one background thread: thousands of
      // streams opening at once would queue behind it.
      endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, uint16_t(port)), origin.host, origin.port);
    } else {
      tcp::resolver resolver(executor);
      auto [rec, resolved] = co_await resolver.async_resolve(origin.host, origin.port, as_tuple);
      if (rec) co_return fail("cannot resolve upstream " + origin.origin() + ": " + rec.message());
      endpoints = std::move(resolved);
    }
    if (options.public_addresses_only) {
      std::vector<tcp::endpoint> allowed;
      for (const auto& e : endpoints)
        if (public_ip(e.endpoint().address())) allowed.push_back(e.endpoint());
      if (allowed.empty())
        co_return fail("refused to connect to " + origin.origin() +
                       ": it resolves only to loopback, private or reserved addresses");
      endpoints = tcp::resolver::results_type::create(allowed.begin(), allowed.end(), origin.host, origin.port);
    }
    auto c = std::make_unique<Connection>();
    c->origin_key = origin.origin();
    if (origin.tls)
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, ssl);
    else
      c->plain = std::make_unique<beast::tcp_stream>(executor);
    c->lowest().expires_after(options.connect_timeout);
    auto [cec, endpoint] = co_await c->lowest().async_connect(endpoints, as_tuple);
    if (cec == beast::error::timeout) co_return fail("connecting to upstream " + origin.origin() + " timed out", true);
    if (cec) co_return fail("cannot connect to upstream " + origin.origin() + ": " + cec.message());
    boost::system::error_code ignored;
    c->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (origin.tls) {
      boost::system::error_code not_ip;
      asio::ip::make_address(origin.host, not_ip);
      if (not_ip) SSL_set_tlsext_host_name(c->tls->native_handle(), origin.host.c_str());
      c->tls->set_verify_callback(asio::ssl::host_name_verification(origin.host));
      auto [hec] = co_await c->tls->async_handshake(asio::ssl::stream_base::client, as_tuple);
      if (hec)
        co_return fail("TLS handshake with upstream " + origin.origin() + " failed: " + hec.message() +
                       " (is its certificate trusted? set ca_file)");
    }
    co_return c;
  }
};

namespace {

// An upstream's answer read by Beast's tokenizer straight into our own fields and the pooled
// connection's body buffer: Beast's own field container would allocate per field, and every
// field is copied out of it anyway.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  explicit ResponseParser(Headers& headers) : headers_(headers) { headers_.clear(); }
  int status() const { return status_; }
  // Where the next piece of the body goes; bytes_read() tells how much of it was filled.
  void body_into(char* data, size_t size) {
    body_ = data;
    room_ = size;
    filled_ = 0;
  }
  size_t bytes_read() const { return filled_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       boost::system::error_code& ec) override {
    ec = bhttp::error::bad_method;  // never called for a response parser
  }
  void on_response_impl(int code, beast::string_view, int, boost::system::error_code&) override { status_ = code; }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     boost::system::error_code&) override {
    headers_.add(std::string_view(name.data(), name.size()), std::string_view(value.data(), value.size()));
  }
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::system::error_code&) override {}
  size_t on_body_impl(beast::string_view piece, boost::system::error_code& ec) override {
    size_t n = std::min(piece.size(), room_ - filled_);
    if (n == 0 && !piece.empty()) {
      ec = bhttp::error::need_buffer;
      return 0;
    }
    std::memcpy(body_ + filled_, piece.data(), n);
    filled_ += n;
    return n;
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, boost::system::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view piece, boost::system::error_code& ec) override {
    return on_body_impl(piece, ec);
  }
  void on_finish_impl(boost::system::error_code&) override {}

  Headers& headers_;
  int status_ = 0;
  char* body_ = nullptr;
  size_t room_ = 0;
  size_t filled_ = 0;
};

class StreamedResponse final : public UpstreamResponse {
 public:
  StreamedResponse(std::shared_ptr<UpstreamClient::Impl> pool, std::unique_ptr<Connection> connection,
                   Deadlines deadlines, std::string origin)
      : pool_(std::move(pool)), connection_(std::move(connection)), deadlines_(deadlines), origin_(std::move(origin)) {
    new_parser();
  }

  // The head of the final response. Interim 1xx responses (100 Continue, 103 Early Hints) are
  // read and dropped: relayed as if final, they would leave the real answer on the pooled
  // connection for the next request, another user's. 101 is refused: nothing is upgraded here.
  Task<boost::system::error_code> read_head() {
    for (;;) {
      boost::system::error_code ec;
      // The stream is the connection's, which outlives the awaited visit.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      co_await connection_->visit([&](auto& s) -> Task<void> {
        auto [result_ec, result_n] = co_await bhttp::async_read_header(s, connection_->buffer, *parser_, as_tuple);
        ec = result_ec;
      });
      if (ec) co_return ec;
      int code = parser_->status();
      if (code == 101) co_return bhttp::error::bad_status;
      if (code >= 100 && code < 200) {
        new_parser();
        continue;
      }
      status = code;
      if (auto len = parser_->content_length()) content_length = size_t(*len);
      keep_alive_ = parser_->keep_alive();
      // A stream holds its connection for minutes or hours, thousands at once: the request's
      // bytes, kept for the next request's reuse, are given back instead.
      if (!content_length) std::string().swap(connection_->request_bytes);
      release_if_done();
      co_return ec;
    }
  }

  Task<boost::system::result<std::string, Error>> read_some() override {
    while (!parser_->is_done()) {
      if (!connection_) co_return fail("upstream " + origin_ + " connection is gone");
      char* buf = connection_->body_buffer.get();
      parser_->body_into(buf, Connection::kBodyBuffer);
      connection_->lowest().expires_after(deadlines_.body_idle);
      boost::system::error_code ec;
      // The stream is the connection's, which outlives the awaited visit.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      co_await connection_->visit([&](auto& s) -> Task<void> {
        auto [result_ec, result_n] = co_await bhttp::async_read_some(s, connection_->buffer, *parser_, as_tuple);
        ec = result_ec;
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        connection_.reset();
        co_return fail("upstream " + origin_ + " broke off the response: " + ec.message(), ec == beast::error::timeout);
      }
      size_t got = parser_->bytes_read();
      // Copied out before the connection may go back to the pool, where another request
      // (on another thread) may read into the same buffer.
      std::string piece(buf, got);
      release_if_done();
      if (got > 0) co_return piece;
    }
    co_return std::string();
  }

  bool done() const override { return parser_->is_done(); }

 private:
  void new_parser() {
    parser_.emplace(headers);
    parser_->body_limit(boost::none);  // streams have no size cap
  }

  // Only a complete, well-framed final response leaves the connection reusable.
  void release_if_done() {
    if (parser_->is_done() && keep_alive_ && connection_) pool_->give_back(std::move(connection_));
  }

  std::shared_ptr<UpstreamClient::Impl> pool_;
  std::unique_ptr<Connection> connection_;
  Deadlines deadlines_;
  std::string origin_;
  std::optional<ResponseParser> parser_;
  bool keep_alive_ = false;
};

}  // namespace

UpstreamClient::UpstreamClient(asio::any_io_executor executor, UpstreamOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = std::move(options);
  impl_->ssl.set_default_verify_paths();
  if (impl_->options.ca_file) impl_->ssl.load_verify_file(*impl_->options.ca_file);
  impl_->ssl.set_verify_mode(asio::ssl::verify_peer);
}

UpstreamClient::~UpstreamClient() = default;

size_t UpstreamClient::idle_connections() const {
  std::lock_guard guard(impl_->mutex);
  size_t n = 0;
  for (auto& [k, v] : impl_->idle) n += v.size();
  return n;
}

Task<boost::system::result<std::unique_ptr<UpstreamResponse>, Error>> UpstreamClient::open(ClientRequest request,
                                                                                           Deadlines deadlines) {
  auto parsed = parse_origin_cached(request.url);
  if (!parsed) co_return parsed.error();
  const std::shared_ptr<const ParsedUrl> url = *parsed;
  const HttpTarget* origin = &url->target;
  auto verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) co_return fail("unsupported HTTP method " + request.method);
  // A pooled connection the upstream closed meanwhile fails on first use; then one fresh try.
  for (int attempt = 0; attempt < 2; ++attempt) {
    // The retry connects afresh: after an idle spell every pooled connection may be stale.
    auto connection = attempt == 0 ? impl_->take_idle(url->origin) : nullptr;
    bool reused = connection != nullptr;
    if (!connection) {
      auto fresh = co_await impl_->connect(*origin);
      if (!fresh) {
        auto refused = fresh.error();
        refused.not_sent = true;
        co_return refused;
      }
      connection = std::move(*fresh);
    }
    connection->lowest().expires_after(deadlines.response_header);
    boost::system::error_code ec;
    if (plain_fields(request.headers)) {
      auto& wire = connection->request_bytes;
      serialize_request(wire, request.method, *origin, request.headers, request.body,
                        !request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put);
      // The stream is the connection's, which outlives the awaited visit.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      co_await connection->visit([&](auto& s) -> Task<void> {
        auto [result_ec, result_n] = co_await asio::async_write(s, asio::buffer(wire), as_tuple);
        ec = result_ec;
      });
    } else {
      bhttp::request<bhttp::string_body> out{verb, origin->target, 11};
      for (auto [n, v] : request.headers.fields()) out.insert(n, v);
      out.set(bhttp::field::host, origin->host_header);
      out.body() = request.body;
      if (!out.body().empty() || verb == bhttp::verb::post || verb == bhttp::verb::put) out.prepare_payload();
      out.keep_alive(true);
      // The stream is the connection's, which outlives the awaited visit.
      // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters)
      co_await connection->visit([&](auto& s) -> Task<void> {
        auto [result_ec, result_n] = co_await bhttp::async_write(s, out, as_tuple);
        ec = result_ec;
      });
    }
    if (ec) {
      if (reused) continue;
      co_return fail("sending the request to upstream " + origin->origin() + " failed: " + ec.message());
    }
    auto response = std::make_unique<StreamedResponse>(impl_, std::move(connection), deadlines, url->origin);
    ec = co_await response->read_head();
    if (ec) {
      if (reused && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset)) continue;
      if (ec == beast::error::timeout)
        co_return fail("upstream " + origin->origin() + " did not answer within " +
                           std::to_string(deadlines.response_header.count()) + " ms",
                       true);
      co_return fail("reading the response of upstream " + origin->origin() + " failed: " + ec.message());
    }
    co_return std::unique_ptr<UpstreamResponse>(std::move(response));
  }
  co_return fail("upstream " + origin->origin() + " closed the connection twice without answering");
}

Task<boost::system::result<Response, Error>> UpstreamClient::fetch(ClientRequest request,
                                                                   std::chrono::milliseconds timeout) {
  Deadlines deadlines{timeout, timeout};
  auto url = request.url;
  auto opened = co_await open(std::move(request), deadlines);
  if (!opened) co_return opened.error();
  auto& upstream = **opened;
  Response response;
  response.status = upstream.status;
  response.headers = upstream.headers;
  while (!upstream.done()) {
    auto piece = co_await upstream.read_some();
    if (!piece) co_return piece.error();
    response.body += *piece;
    if (response.body.size() > 8 * 1024 * 1024) co_return fail("response of " + url + " is larger than 8 MiB");
  }
  co_return response;
}

}  // namespace mcpgate::http
