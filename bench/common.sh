# Shared by the benchmark scripts (sourced, with $root set to the checkout).

# The demo tenant's IDs from their one definition: demo TenantId, demo GatewayApp, ...
demo() { sed -n "s/^inline constexpr const char\* k$1 = \"\(.*\)\";$/\1/p" "$root/src/idp/demo_tenant.hpp"; }

# ~300 bytes: an MCP tools/call result as a documentation server answers it.
answer='{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Available libraries: /boostorg/asio (Boost.Asio, asynchronous I/O for C++, trust score 9.1, 1204 snippets); /chriskohlhoff/asio (standalone Asio, 871 snippets). Pick one ID and call get-library-docs."}],"isError":false}}'
