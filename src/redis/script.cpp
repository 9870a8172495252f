#include "redis/script.hpp"

#include "crypto/hash.hpp"

namespace mcpgate::redis {

namespace {

std::vector<std::string> eval_arguments(std::string verb, const std::string& script, std::vector<std::string> keys,
                                        std::vector<std::string> arguments) {
  std::vector<std::string> command{std::move(verb), script, std::to_string(keys.size())};
  for (auto& k : keys) command.push_back(std::move(k));
  for (auto& a : arguments) command.push_back(std::move(a));
  return command;
}

}  // namespace

Script::Script(std::string source) : source_(std::move(source)), sha1_(crypto::hex(crypto::sha1(source_))) {}

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): callers own the client
Task<Result> Script::run(Client& client, std::vector<std::string> keys, std::vector<std::string> arguments) const {
  auto by_sha = eval_arguments("EVALSHA", sha1_, keys, arguments);
  auto result = co_await client.command(std::move(by_sha));
  if (result && result->is_error() && result->text.starts_with("NOSCRIPT")) {
    auto whole = eval_arguments("EVAL", source_, std::move(keys), std::move(arguments));
    result = co_await client.command(std::move(whole));
  }
  co_return result;
}

}  // namespace mcpgate::redis
