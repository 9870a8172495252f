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

template <class T>
using Awaitable = asio::awaitable<T>;

HttpTarget parse_target(const std::string& url) {
  std::string error;
  auto target = parse_http_url(url, error);
  if (!target) throw ClientError(error);
  return *target;
}

// Pointers rather than references: coroutine parameters must not dangle (fetch() runs these to
// completion on its own io_context before the pointees go away).
template <class Stream>
Awaitable<Response> exchange(Stream* stream, const ClientRequest* request, const HttpTarget* target) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request->method), target->target, 11};
  req.set(bhttp::field::host, target->host_header);
  for (auto [n, v] : request->headers.fields()) req.insert(n, v);
  if (req.find(bhttp::field::user_agent) == req.end()) req.set(bhttp::field::user_agent, "mcpgate");
  req.body() = request->body;
  if (!request->body.empty() || request->method == "POST" || request->method == "PUT") req.prepare_payload();
  req.keep_alive(false);
  co_await bhttp::async_write(*stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  co_await bhttp::async_read(*stream, buffer, parser, asio::use_awaitable);
  auto res = parser.release();
  Response out;
  out.status = int(res.result_int());
  for (auto& f : res) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  co_return out;
}

Awaitable<Response> fetch_on(const ClientRequest* request, const ClientOptions* options, const HttpTarget* target) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(target->host, target->port, asio::use_awaitable);
  beast::tcp_stream tcp_stream(executor);
  co_await tcp_stream.async_connect(endpoints, asio::use_awaitable);
  if (!target->tls) {
    auto plain = co_await exchange(&tcp_stream, request, target);
    co_return plain;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  if (options->ca_file) ctx.load_verify_file(*options->ca_file);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
  boost::system::error_code not_ip;
  asio::ip::make_address(target->host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream.native_handle(), target->host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(target->host));
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  auto response = co_await exchange(&stream, request, target);
  // Servers often close without close_notify: the answer is complete, whatever shutdown says.
  boost::system::error_code ignored;
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  co_return response;
}

}  // namespace

// Every step is asynchronous on a private io_context that runs for at most the timeout, so a
// server that accepts and then stays silent cannot hold the caller (blocking socket calls would
// ignore any deadline: Asio waits out EAGAIN from SO_RCVTIMEO with an unbounded poll).
Response fetch(const ClientRequest& request, const ClientOptions& options) {
  auto target = parse_target(request.url);
  asio::io_context ioc(1);
  std::optional<Response> response;
  std::exception_ptr failure;
  asio::co_spawn(ioc, fetch_on(&request, &options, &target), [&](const std::exception_ptr& e, Response r) {
    failure = e;
    if (!e) response = std::move(r);
  });
  ioc.run_for(options.timeout);
  if (response) return std::move(*response);
  if (!failure) {
    throw ClientError(request.method + " " + request.url + " timed out after " +
                      std::to_string(options.timeout.count()) + " ms");
  }
  try {
    std::rethrow_exception(failure);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::host_not_found || e.code() == asio::error::host_not_found_try_again)
      throw ClientError("cannot resolve " + target.host + ": " + e.code().message());
    throw ClientError(request.method + " " + request.url + " failed: " + e.code().message());
  }
}

}  // namespace mcpgate::http
