#include "redis/protocol.hpp"

#include <hiredis/hiredis.h>

namespace mcpgate::redis {

namespace {

// hiredis's reply objects are built straight into Reply trees, so limits apply as they are built:
// an array header ("*300000000") must not allocate before its elements have arrived.
struct Budget {
  size_t max_elements = 0;
  size_t elements = 0;  // in the reply being read
};

// Where the object of `task` goes: a new reply (whose budget starts afresh), or its slot in the
// array above it.
Reply* place(const redisReadTask* task) {
  if (!task->parent) return new Reply();
  auto* parent = static_cast<Reply*>(task->parent->obj);
  return &parent->elements.at(size_t(task->idx));
}

void* create_string(const redisReadTask* task, char* text, size_t length) {
  Reply* r = place(task);
  r->type = task->type == REDIS_REPLY_ERROR    ? Reply::Type::error
            : task->type == REDIS_REPLY_STATUS ? Reply::Type::status
                                               : Reply::Type::string;
  r->text.assign(text, length);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  auto* budget = static_cast<Budget*>(task->privdata);
  if (!task->parent) budget->elements = 0;                                                         // a new reply
  if (elements < 0 || budget->elements + size_t(elements) > budget->max_elements) return nullptr;  // refused
  budget->elements += size_t(elements);
  Reply* r = place(task);
  r->type = Reply::Type::array;
  r->elements.resize(size_t(elements));
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  Reply* r = place(task);
  r->type = Reply::Type::integer;
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  Reply* r = place(task);
  r->type = Reply::Type::nil;
  return r;
}

// Only whole replies are freed (hiredis frees the top object); their elements go with them.
void free_reply(void* reply) { delete static_cast<Reply*>(reply); }

redisReplyObjectFunctions kBuilders{create_string, create_array, create_integer, create_nil, free_reply};

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
  Budget budget;
};

ReplyReader::ReplyReader(size_t max_pending_bytes, size_t max_elements) : state_(std::make_unique<State>()) {
  state_->reader = redisReaderCreateWithFunctions(&kBuilders);
  if (!state_->reader) throw std::bad_alloc();
  state_->max_pending_bytes = max_pending_bytes;
  state_->budget.max_elements = max_elements;
  state_->reader->privdata = &state_->budget;
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
  if (redisReaderGetReply(state_->reader, &raw) != REDIS_OK) {
    // A refused array header reads as "Out of memory": say what it really was.
    std::string why = state_->reader->errstr;
    if (why.find("memory") != std::string::npos)
      why = "a reply with more than " + std::to_string(state_->budget.max_elements) + " elements";
    throw ProtocolError("unreadable answer from the Redis server: " + why);
  }
  if (!raw) return std::nullopt;
  std::unique_ptr<Reply> owned(static_cast<Reply*>(raw));
  return std::move(*owned);
}

}  // namespace mcpgate::redis
