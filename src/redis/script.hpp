#pragma once
// A Lua script run by its SHA-1 (EVALSHA), loaded again by itself when the server has forgotten
// it (a restart, SCRIPT FLUSH, a failover to a replica that never saw it).
#include <string>
#include <vector>

#include "redis/client.hpp"

namespace mcpgate::redis {

class Script {
 public:
  explicit Script(std::string source);
  Task<Result> run(Client& client, std::vector<std::string> keys, std::vector<std::string> arguments) const;

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace mcpgate::redis
