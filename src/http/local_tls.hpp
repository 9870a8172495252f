#pragma once
#include <filesystem>

#include "http/server.hpp"

namespace mcpgate::http {

struct LocalTls {
  std::filesystem::path ca_certificate;  // what clients must trust (NODE_EXTRA_CA_CERTS, curl --cacert)
  TlsFiles server;
};

// A development CA and a server certificate for localhost, 127.0.0.1 and ::1, created in dir
// on first use and reused afterwards, so clients need to trust the CA only once.
LocalTls ensure_local_tls(const std::filesystem::path& dir);

}  // namespace mcpgate::http
