// MCP request bodies: the gateway's audit peek and the server's JSON-RPC reading.
#include "mcp/jsonrpc.hpp"

#include <cstdint>
#include <string_view>

#include "mcp/peek.hpp"

using namespace mcpgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)mcp::peek_mcp_call(body);
  (void)mcp::parse_message(body);
  return 0;
}
