// What an upstream may send back on a kept-alive connection, read the way the gateway's upstream
// client reads it: interim 1xx heads skipped, then a sized, chunked (SSE) or close-delimited body
// through a small buffer, then the next response.
#include <cstdint>
#include <optional>

#include "http/beast_pch.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::asio::const_buffer input(data, size);
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  char piece[512];
  for (int step = 0; step < 100'000; ++step) {
    if (!parser || parser->is_done()) {
      parser.emplace();
      parser->body_limit(boost::none);
    }
    parser->get().body().data = piece;
    parser->get().body().size = sizeof piece;
    boost::system::error_code ec;
    size_t used = parser->put(input, ec);
    input += used;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) return 0;
    bool filled = parser->get().body().size < sizeof piece;
    if (used == 0 && !filled && !parser->is_done()) {
      parser->put_eof(ec);  // the upstream closed: a close-delimited body ends here
      return 0;
    }
  }
  return 0;
}
