#include "redis/protocol.hpp"

#include <gtest/gtest.h>

namespace mcpgate::redis {
namespace {

TEST(FormatCommand, WritesAnArrayOfBulkStringsSoAnyByteIsSafe) {
  EXPECT_EQ(format_command({"SET", "k", "a\r\nb"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");
  EXPECT_EQ(format_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(ReplyReader, ReadsEveryKindOfReply) {
  ReplyReader reader;
  reader.feed("+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n:1\r\n$2\r\nhi\r\n");
  auto status = reader.next();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->type, Reply::Type::status);
  EXPECT_EQ(status->text, "OK");
  auto error = reader.next();
  EXPECT_TRUE(error->is_error());
  EXPECT_EQ(error->text, "ERR wrong");
  EXPECT_EQ(reader.next()->integer, 42);
  EXPECT_EQ(reader.next()->text, "hello");
  EXPECT_TRUE(reader.next()->is_nil());
  auto array = reader.next();
  ASSERT_EQ(array->type, Reply::Type::array);
  ASSERT_EQ(array->elements.size(), 2u);
  EXPECT_EQ(array->elements[0].integer, 1);
  EXPECT_EQ(array->elements[1].text, "hi");
  EXPECT_FALSE(reader.next());
}

TEST(ReplyReader, WaitsForTheRestOfAReplySplitAnywhere) {
  const std::string wire = "$12\r\nhello\r\nworld\r\n:7\r\n";
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    ReplyReader reader;
    reader.feed(wire.substr(0, cut));
    auto first = reader.next();
    reader.feed(wire.substr(cut));
    if (!first) first = reader.next();
    ASSERT_TRUE(first) << "cut at " << cut;
    EXPECT_EQ(first->text, "hello\r\nworld");
    EXPECT_EQ(reader.next()->integer, 7);
  }
}

TEST(ReplyReader, RefusesWhatIsNotRedis) {
  ReplyReader reader;
  reader.feed("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_THROW(reader.next(), ProtocolError);
}

TEST(ReplyReader, AnArrayHeaderAllocatesNothingBeyondItsBound) {
  // Found by fuzz/redis_reply.cpp: "*324242425" made hiredis's own builder allocate 2.6 GB.
  ReplyReader reader;
  reader.feed("*324242425\r\n:1\r\n");
  try {
    reader.next();
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 65536 elements"), std::string::npos) << e.what();
  }
  // Nested arrays count together.
  ReplyReader nested(1024, 10);
  nested.feed("*2\r\n*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n*5\r\n");
  EXPECT_THROW(nested.next(), ProtocolError);
  ReplyReader fits(1024, 12);
  fits.feed("*2\r\n*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$-1\r\n");
  auto reply = fits.next();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->elements[1].elements[3].integer, 4);
  EXPECT_TRUE(reply->elements[1].elements[4].is_nil());
}

TEST(ReplyReader, RefusesAReplyLargerThanItsBound) {
  ReplyReader reader(1024);
  reader.feed("$100000\r\n");
  EXPECT_THROW(reader.feed(std::string(2000, 'x')), ProtocolError);
}

}  // namespace
}  // namespace mcpgate::redis
