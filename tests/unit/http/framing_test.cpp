#include "http/framing.hpp"

#include <gtest/gtest.h>

namespace mcpgate::http {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

std::optional<HeadRefusal> check(Fields fields, std::string_view method = "POST", std::string_view target = "/mcp",
                                 unsigned version = 11) {
  return check_request_head({method, target, version, std::move(fields)});
}

int status(Fields fields, std::string_view method = "POST", std::string_view target = "/mcp", unsigned version = 11) {
  auto refusal = check(std::move(fields), method, target, version);
  return refusal ? refusal->status : 0;
}

TEST(RequestHead, OrdinaryRequestsPass) {
  EXPECT_EQ(status({{"Host", "localhost:9410"}, {"Content-Length", "12"}}), 0);
  EXPECT_EQ(status({{"Host", "gw.contoso.com"}, {"Transfer-Encoding", "chunked"}}), 0);
  EXPECT_EQ(status({{"Host", "[::1]:8080"}}, "GET", "/healthz"), 0);
  EXPECT_EQ(status({{"Host", "127.0.0.1"}, {"Transfer-Encoding", " Chunked "}}), 0);
  EXPECT_EQ(status({}, "GET", "/", 10), 0) << "HTTP/1.0 needs no Host";
  EXPECT_EQ(status({{"Host", "h"}}, "OPTIONS", "*"), 0);
}

TEST(RequestHead, TransferEncodingOtherThanChunkedIsRefused) {
  for (std::string_view te : {"xchunked", "chunked, identity", "gzip, chunked", "identity", "chunked;x=1", ""})
    EXPECT_EQ(status({{"Host", "h"}, {"Transfer-Encoding", te}}), 400) << te;
  EXPECT_EQ(status({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), 400);
  EXPECT_EQ(status({{"Transfer-Encoding", "chunked"}}, "POST", "/mcp", 10), 400) << "HTTP/1.0 has no chunked";
}

TEST(RequestHead, LengthsMustBeOneUnambiguousNumber) {
  EXPECT_EQ(status({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400);
  EXPECT_EQ(status({{"Host", "h"}, {"Content-Length", "5"}, {"Content-Length", "5"}}), 400);
  EXPECT_EQ(status({{"Host", "h"}, {"Content-Length", "5"}, {"Content-Length", "6"}}), 400);
  for (std::string_view cl : {"-1", "+5", "5 5", "0x10", "", "99999999999999999999"})
    EXPECT_EQ(status({{"Host", "h"}, {"Content-Length", cl}}), 400) << cl;
}

TEST(RequestHead, Http11NeedsExactlyOneValidHost) {
  EXPECT_EQ(status({}), 400);
  EXPECT_EQ(status({{"Host", "a"}, {"Host", "b"}}), 400);
  for (std::string_view host : {"", "exa mple.com", "a/b", "a:port", "[::1", "[::1]x", "a@b", "a:123456"})
    EXPECT_EQ(status({{"Host", host}}), 400) << host;
  EXPECT_NE(check({{"Host", "a"}, {"Host", "b"}})->message.find("exactly one Host"), std::string::npos);
}

TEST(RequestHead, OnlyOriginFormTargets) {
  EXPECT_EQ(status({{"Host", "h"}}, "GET", "http://evil.example/admin"), 400);
  EXPECT_EQ(status({{"Host", "h"}}, "CONNECT", "evil.example:443"), 400);
  EXPECT_EQ(status({{"Host", "h"}}, "GET", "*"), 400);
}

TEST(RequestHead, ExpectIsOnly100Continue) {
  EXPECT_EQ(status({{"Host", "h"}, {"Expect", "100-continue"}}), 0);
  EXPECT_EQ(status({{"Host", "h"}, {"Expect", "something-else"}}), 417);
  EXPECT_TRUE(expects_continue({"POST", "/", 11, {{"Expect", "100-Continue"}}}));
  EXPECT_FALSE(expects_continue({"POST", "/", 11, {{"Host", "h"}}}));
}

}  // namespace
}  // namespace mcpgate::http
