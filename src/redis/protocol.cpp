#include "redis/protocol.hpp"

#include <hiredis/hiredis.h>

namespace mcpgate::redis {

namespace {

Reply convert(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::string;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::status;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::error;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::integer;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::array;
      reply.elements.reserve(raw.elements);
      for (size_t i = 0; i < raw.elements; ++i) reply.elements.push_back(convert(*raw.element[i]));
      break;
    default:
      reply.type = Reply::Type::nil;
  }
  return reply;
}

}  // namespace

std::string format_command(const std::vector<std::string>& arguments) {
  std::string out = "*" + std::to_string(arguments.size()) + "\r\n";
  for (const auto& argument : arguments) {
    out += '$';
    out += std::to_string(argument.size());
    out += "\r\n";
    out += argument;
    out += "\r\n";
  }
  return out;
}

struct ReplyReader::State {
  redisReader* reader = nullptr;
  size_t max_pending_bytes = 0;
};

ReplyReader::ReplyReader(size_t max_pending_bytes) : state_(std::make_unique<State>()) {
  state_->reader = redisReaderCreate();
  if (!state_->reader) throw std::bad_alloc();
  state_->max_pending_bytes = max_pending_bytes;
}

ReplyReader::~ReplyReader() { redisReaderFree(state_->reader); }

void ReplyReader::feed(std::string_view bytes) {
  redisReader* reader = state_->reader;
  if (reader->len - reader->pos + bytes.size() > state_->max_pending_bytes)
    throw ProtocolError("the Redis server sent a reply larger than " +
                        std::to_string(state_->max_pending_bytes / (1024 * 1024)) + " MiB");
  if (redisReaderFeed(reader, bytes.data(), bytes.size()) != REDIS_OK)
    throw ProtocolError(std::string("unreadable answer from the Redis server: ") + reader->errstr);
}

std::optional<Reply> ReplyReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(state_->reader, &raw) != REDIS_OK)
    throw ProtocolError(std::string("unreadable answer from the Redis server: ") + state_->reader->errstr);
  if (!raw) return std::nullopt;
  std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(raw), freeReplyObject);
  return convert(*owned);
}

}  // namespace mcpgate::redis
