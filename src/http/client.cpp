#include "http/client.hpp"

#include <openssl/ssl.h>

#include "http/beast_pch.hpp"
#include "http/url.hpp"

namespace mcpgate::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

HttpTarget parse_target(const std::string& url) {
  std::string error;
  auto target = parse_http_url(url, error);
  if (!target) throw ClientError(error);
  return *target;
}

template <class Stream>
Response exchange(Stream& stream, const ClientRequest& request, const HttpTarget& target,
                  std::chrono::milliseconds timeout) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), target.target, 11};
  req.set(bhttp::field::host, target.host_header);
  for (auto& [n, v] : request.headers.fields()) req.insert(n, v);
  if (req.find(bhttp::field::user_agent) == req.end()) req.set(bhttp::field::user_agent, "mcpgate");
  req.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") req.prepare_payload();
  req.keep_alive(false);
  beast::get_lowest_layer(stream).expires_after(timeout);
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buffer, parser);
  auto res = parser.release();
  Response out;
  out.status = int(res.result_int());
  for (auto& f : res) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  return out;
}

}  // namespace

Response fetch(const ClientRequest& request, const ClientOptions& options) {
  auto target = parse_target(request.url);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  const auto& host = target.host;
  auto endpoints = resolver.resolve(host, target.port, ec);
  if (ec) throw ClientError("cannot resolve " + target.host + ": " + ec.message());
  beast::tcp_stream tcp_stream(ioc);
  tcp_stream.expires_after(options.timeout);
  // Blocking calls on beast::tcp_stream ignore its timer, so the socket itself gets deadlines.
  timeval tv{long(options.timeout.count() / 1000), long(options.timeout.count() % 1000 * 1000)};
  try {
    tcp_stream.connect(endpoints);
    ::setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(tcp_stream.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (!target.tls) return exchange(tcp_stream, request, target, options.timeout);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    if (options.ca_file) ctx.load_verify_file(*options.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
    boost::system::error_code addr_ec;
    asio::ip::make_address(host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    stream.handshake(asio::ssl::stream_base::client);
    auto response = exchange(stream, request, target, options.timeout);
    stream.shutdown(ec);  // servers often close without close_notify
    return response;
  } catch (const boost::system::system_error& e) {
    throw ClientError(request.method + " " + request.url + " failed: " + e.code().message());
  }
}

}  // namespace mcpgate::http
