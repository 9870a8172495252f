// A request head as a client may send it, through the server's own parser, then the framing
// rules and the path normalisation the server and gateway apply before anything else.
//
// Differential: whatever our parser and the framing rules accept, Beast's parser must accept too
// and read the same method, target, version and fields (ours may refuse more, never read
// differently). And a head that arrives in two pieces must parse as it does whole.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/beast_pch.hpp"
#include "http/framing.hpp"
#include "http/path.hpp"
#include "http/request_parser.hpp"

namespace bhttp = boost::beast::http;
using namespace mcpgate;

namespace {
constexpr size_t kMaxHead = 16 * 1024;

void agree_with_beast(std::string_view bytes, size_t head_size, const http::Request& ours) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(std::uint32_t(kMaxHead));
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), head_size), ec);
  if (!parser.is_header_done()) std::abort();  // ours took a head Beast refuses
  const auto& message = parser.get();
  if (message.method_string() != ours.method || message.target() != ours.target || message.version() != ours.version)
    std::abort();
  // Beast lists fields of one name together (in their order of arrival), so both sides are
  // compared grouped by name, each group in arrival order.
  using Field = std::pair<std::string, std::string>;
  auto lower = [](std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto by_name = [&](std::vector<Field> fields) {
    std::stable_sort(fields.begin(), fields.end(),
                     [&](const Field& a, const Field& b) { return lower(a.first) < lower(b.first); });
    return fields;
  };
  std::vector<Field> theirs;
  for (const auto& field : message) theirs.emplace_back(field.name_string(), field.value());
  if (by_name(std::move(theirs)) != by_name(ours.headers.pairs())) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  http::Request whole;
  http::RequestHeadParser parser(kMaxHead);
  auto parsed = parser.parse(bytes, whole);

  // The same bytes in two pieces, split where the first byte says.
  if (size > 1) {
    size_t split = 1 + data[0] % (size - 1);
    http::Request pieces;
    http::RequestHeadParser again(kMaxHead);
    auto first = again.parse(bytes.substr(0, split), pieces);
    auto second = first.state == http::HeadParse::State::incomplete ? again.parse(bytes, pieces) : first;
    // A refusal may come earlier from the first piece (a bare LF in it), never a different head.
    if (second.state == http::HeadParse::State::complete &&
        (parsed.state != http::HeadParse::State::complete || second.size != parsed.size))
      std::abort();
    if (second.state == http::HeadParse::State::complete && pieces.headers.pairs() != whole.headers.pairs())
      std::abort();
  }

  if (parsed.state != http::HeadParse::State::complete) return 0;
  auto refusal = http::check_request_head(whole);
  (void)http::expects_continue(whole);
  if (refusal) return 0;
  // Only heads the framing rules also accept: Beast refuses a malformed Content-Length or
  // Transfer-Encoding while parsing, where ours leaves it to check_request_head.
  agree_with_beast(bytes, parsed.size, whole);
  (void)http::body_framing(whole.headers);
  (void)http::keeps_alive(whole.version, whole.headers);
  std::string error;
  (void)http::normalize_path(whole.path, error);
  return 0;
}
