#include "store/database.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace mcpgate::store::sql {
namespace {

TEST(Row, ReadsEachKindOfColumn) {
  Row row({Value(), Value(int64_t(42)), Value(std::string("text")), Value(std::string("-17"))});
  EXPECT_TRUE(row.is_null(0));
  EXPECT_EQ(row.optional_integer(0), std::nullopt);
  EXPECT_EQ(row.optional_text(0), std::nullopt);
  EXPECT_EQ(row.integer(1), 42);
  EXPECT_EQ(row.text(1), "42");
  EXPECT_EQ(row.text(2), "text");
  EXPECT_EQ(row.optional_text(2), "text");
  EXPECT_EQ(row.integer(3), -17);  // a number a back-end returned as text
}

TEST(Row, AColumnReadAsTheWrongKindOrPastTheEndIsABug) {
  Row row({Value(std::string("12abc")), Value()});
  EXPECT_THROW(row.integer(0), std::logic_error);
  EXPECT_THROW(row.integer(1), std::logic_error);
  EXPECT_THROW(row.text(2), std::logic_error);
}

TEST(ToValue, BindsIntegersTextAndNulls) {
  EXPECT_EQ(std::get<int64_t>(to_value(7)), 7);
  EXPECT_EQ(std::get<int64_t>(to_value(int64_t(1) << 40)), int64_t(1) << 40);
  EXPECT_EQ(std::get<std::string>(to_value(std::string_view("a"))), "a");
  EXPECT_EQ(std::get<std::string>(to_value("b")), "b");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(to_value(std::optional<int64_t>())));
  EXPECT_EQ(std::get<int64_t>(to_value(std::optional<int64_t>(3))), 3);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(to_value(std::nullopt)));
}

// Records what a back-end was asked to do.
class RecordingSession final : public Session {
 public:
  Rows query(std::string_view, std::span<const Value>) override { return {}; }
  int64_t execute(std::string_view, std::span<const Value>) override { return 0; }
  void begin() override { calls.push_back("begin"); }
  void commit() override { calls.push_back("commit"); }
  void rollback() override {
    calls.push_back("rollback");
    if (fail_rollback) throw Error(Error::Kind::other, "rollback failed", "the database failed");
  }
  std::vector<std::string> calls;
  bool fail_rollback = false;
};

TEST(Transaction, CommitsWhenToldAndRollsBackOtherwise) {
  RecordingSession session;
  {
    Transaction committed(session);
    committed.commit();
  }
  { Transaction abandoned(session); }
  EXPECT_EQ(session.calls, (std::vector<std::string>{"begin", "commit", "begin", "rollback"}));
}

TEST(Transaction, ARollbackThatFailsDoesNotEscapeTheDestructor) {
  RecordingSession session;
  session.fail_rollback = true;
  EXPECT_NO_THROW({ Transaction abandoned(session); });
  EXPECT_EQ(session.calls.back(), "rollback");
}

}  // namespace
}  // namespace mcpgate::store::sql
