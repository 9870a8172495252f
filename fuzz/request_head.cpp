// A request head as a client may send it: Beast's parser with the server's limits, then the
// framing rules and the path normalisation the server and gateway apply before anything else.
#include <cstdint>
#include <string>

#include "http/beast_pch.hpp"
#include "http/framing.hpp"
#include "http/path.hpp"

namespace bhttp = boost::beast::http;
using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  const auto& message = parser.get();
  http::RequestHead head{message.method_string(), message.target(), message.version(), {}};
  for (const auto& field : message) head.fields.emplace_back(field.name_string(), field.value());
  auto refusal = http::check_request_head(head);
  (void)http::expects_continue(head);
  if (refusal) return 0;
  std::string target(message.target());
  std::string error;
  (void)http::normalize_path(target.substr(0, target.find('?')), error);
  return 0;
}
