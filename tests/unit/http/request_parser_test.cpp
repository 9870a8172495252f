#include "http/request_parser.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

using State = HeadParse::State;

HeadParse parse(std::string_view bytes, Request& out, size_t limit = 16 * 1024) {
  RequestHeadParser parser(limit);
  return parser.parse(bytes, out);
}

int refusal_status(std::string_view bytes, size_t limit = 16 * 1024) {
  Request out;
  auto r = parse(bytes, out, limit);
  return r.state == State::refused ? r.status : 0;
}

TEST(RequestParser, ReadsTheRequestLineAndFields) {
  Request r;
  std::string_view bytes =
      "POST /ctx/mcp?x=1&y=2 HTTP/1.1\r\nHost: gw.test\r\nAuthorization:  Bearer abc \t\r\nX-Empty:\r\n\r\n{\"a\":1}";
  auto parsed = parse(bytes, r);
  ASSERT_EQ(parsed.state, State::complete);
  EXPECT_EQ(parsed.size, bytes.find("{"));
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/ctx/mcp?x=1&y=2");
  EXPECT_EQ(r.path, "/ctx/mcp");
  EXPECT_EQ(r.query, "x=1&y=2");
  EXPECT_EQ(r.version, 11u);
  EXPECT_EQ(r.headers.pairs(), (std::vector<std::pair<std::string, std::string>>{
                                   {"Host", "gw.test"}, {"Authorization", "Bearer abc"}, {"X-Empty", ""}}))
      << "values lose their surrounding spaces and tabs, nothing else";
}

TEST(RequestParser, AReusedRequestHoldsOnlyTheNewHead) {
  Request r;
  ASSERT_EQ(parse("GET /a?q HTTP/1.1\r\nHost: h\r\nX-One: 1\r\n\r\n", r).state, State::complete);
  ASSERT_EQ(parse("GET /b HTTP/1.0\r\n\r\n", r).state, State::complete);
  EXPECT_EQ(r.path, "/b");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(r.version, 10u);
  EXPECT_TRUE(r.headers.empty());
}

TEST(RequestParser, WaitsForTheEmptyLineAndScansEachByteOnce) {
  std::string bytes = "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(3000, 'a') + "\r\n\r\n";
  RequestHeadParser parser(16 * 1024);
  Request r;
  for (size_t n = 1; n < bytes.size(); ++n)
    ASSERT_EQ(parser.parse(std::string_view(bytes).substr(0, n), r).state, State::incomplete) << n;
  auto done = parser.parse(bytes, r);
  ASSERT_EQ(done.state, State::complete);
  EXPECT_EQ(done.size, bytes.size());
  EXPECT_EQ(r.headers.get("X-Long")->size(), 3000u);
}

TEST(RequestParser, RefusesWhatTwoParsersCouldReadDifferently) {
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\nHost: h\n\n"), 400) << "bare LF";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"), 400) << "one bare LF among CRLFs";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX-A: a\r\n folded\r\nHost: h\r\n\r\n"), 400) << "obs-fold";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400) << "space before the colon";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), 400) << "tab before the colon";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\n: h\r\n\r\n"), 400) << "empty name";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status(std::string_view("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26)), 400) << "NUL in a value";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), 400) << "bare CR in a value";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX: a\x7f"
                           "b\r\n\r\n"),
            400)
      << "DEL in a value";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaa\x01zzzzzzzz\r\n\r\n"), 400)
      << "a control character inside a word the fast path checks";
  EXPECT_EQ(refusal_status("\r\nGET / HTTP/1.1\r\n\r\n"), 400) << "empty line first";
}

TEST(RequestParser, EveryByteOfALongValueIsChecked) {
  // Values are checked in blocks; a byte anywhere in a block, or in the tail after the last one.
  for (size_t at = 0; at < 48; ++at) {
    auto with = [&](char c) {
      std::string value(48, 'a');
      value[at] = c;
      return "GET / HTTP/1.1\r\nX: " + value + "z\r\n\r\n";
    };
    EXPECT_EQ(refusal_status(with('\x01')), 400) << at;
    EXPECT_EQ(refusal_status(with('\x1f')), 400) << at;
    EXPECT_EQ(refusal_status(with('\x7f')), 400) << at;
    EXPECT_EQ(refusal_status(with('\0')), 400) << at;
    EXPECT_EQ(refusal_status(with('\t')), 0) << at;
    EXPECT_EQ(refusal_status(with('\xff')), 0) << at;
    EXPECT_EQ(refusal_status(with('\x80')), 0) << at;
    EXPECT_EQ(refusal_status(with(' ')), 0) << at;
  }
}

TEST(RequestParser, TakesTabsAndObsTextInValues) {
  Request r;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nX: a\tb \xc3\xa9 aaaaaaaaaaaaaaaaaa\tz\r\n\r\n", r).state, State::complete);
  EXPECT_EQ(*r.headers.get("X"), "a\tb \xc3\xa9 aaaaaaaaaaaaaaaaaa\tz");
}

TEST(RequestParser, RefusesABadRequestLine) {
  EXPECT_EQ(refusal_status("GET /\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GET  / HTTP/1.1\r\n\r\n"), 400) << "two spaces";
  EXPECT_EQ(refusal_status("GET / HTTP/2.0\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GET / http/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GE(T / HTTP/1.1\r\n\r\n"), 400) << "not a token";
  EXPECT_EQ(refusal_status("GET /a\x01 HTTP/1.1\r\n\r\n"), 400) << "control character in the target";
  EXPECT_EQ(refusal_status("GET / HTTP/1.1 \r\n\r\n"), 400) << "trailing space";
}

TEST(RequestParser, HeadsLargerThanTheLimitAre431) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  EXPECT_EQ(refusal_status(big, 100), 431);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), 100), 431) << "before its end arrives";
  EXPECT_EQ(refusal_status(big, big.size()), 0) << "the limit counts the whole head, the empty line included";
  EXPECT_EQ(refusal_status(big, big.size() - 1), 431);
}

TEST(BodyFraming, LengthChunkedOrNone) {
  Headers h;
  EXPECT_EQ(body_framing(h).length, 0u);
  h.add("Content-Length", "42");
  EXPECT_EQ(body_framing(h).length, 42u);
  EXPECT_FALSE(body_framing(h).chunked);
  Headers huge;
  huge.add("Content-Length", "999999999999999999999");
  EXPECT_EQ(body_framing(huge).length, std::numeric_limits<size_t>::max()) << "larger than any limit, not wrapped";
  Headers chunked;
  chunked.add("Transfer-Encoding", "chunked");
  EXPECT_TRUE(body_framing(chunked).chunked);
}

TEST(KeepsAlive, FollowsTheVersionAndConnectionOptions) {
  Headers none;
  EXPECT_TRUE(keeps_alive(11, none));
  EXPECT_FALSE(keeps_alive(10, none));
  Headers close;
  close.add("Connection", "keep-alive, Close");
  EXPECT_FALSE(keeps_alive(11, close));
  Headers keep;
  keep.add("Connection", "Keep-Alive");
  EXPECT_TRUE(keeps_alive(10, keep));
}

}  // namespace
}  // namespace mcpgate::http
