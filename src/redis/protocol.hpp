#pragma once
// The Redis wire protocol (RESP2): commands out, replies in. hiredis does the parsing; this keeps
// its C objects out of sight and bounds what a server may send before a reply is complete.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::redis {

struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  std::string text;  // string, status and error
  int64_t integer = 0;
  std::vector<Reply> elements;  // array

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
};

// One command as RESP: an array of bulk strings, so arguments may hold any byte.
std::string format_command(const std::vector<std::string>& arguments);

// What the server sent made no sense (or was larger than allowed): the connection must be closed.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Replies out of the bytes a connection reads, in order, however the bytes are split.
class ReplyReader {
 public:
  // `max_pending_bytes`: the most a server may send of one reply before it is complete;
  // `max_elements`: the most array elements one reply may hold, nested ones included (the
  // gateway's own replies have a handful).
  explicit ReplyReader(size_t max_pending_bytes = 64 * 1024 * 1024, size_t max_elements = 65'536);
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  void feed(std::string_view bytes);
  // The next complete reply, if there is one. Throws ProtocolError.
  std::optional<Reply> next();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mcpgate::redis
