// What a Redis server (or whatever answers on its port) sends back: fed in two pieces split at a
// point the input chooses, every reply is read or the stream refused, never a crash; and a reply
// read whole is read the same when split.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "redis/protocol.hpp"

using namespace mcpgate;

namespace {

std::string flatten(const redis::Reply& r) {
  std::string out = std::to_string(int(r.type)) + ":" + r.text + ":" + std::to_string(r.integer) + "[";
  for (const auto& e : r.elements) out += flatten(e) + ",";
  return out + "]";
}

// All replies of `wire` fed in the given pieces; nullopt if the stream was refused.
std::optional<std::vector<std::string>> read_all(std::string_view wire, size_t cut) {
  redis::ReplyReader reader(64 * 1024);
  std::vector<std::string> replies;
  try {
    for (auto piece : {wire.substr(0, cut), wire.substr(cut)}) {
      reader.feed(piece);
      while (auto reply = reader.next()) replies.push_back(flatten(*reply));
    }
  } catch (const redis::ProtocolError&) {
    return std::nullopt;
  }
  return replies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = wire.empty() ? 0 : data[0] % (wire.size() + 1);
  auto whole = read_all(wire, wire.size());
  auto split = read_all(wire, cut);
  if (whole && split && *whole != *split) std::abort();
  return 0;
}
