#include "http/local_tls.hpp"

#include "common/files.hpp"
#include "crypto/certificate.hpp"

namespace mcpgate::http {

LocalTls ensure_local_tls(const std::filesystem::path& dir) {
  ensure_private_directory(dir);
  LocalTls tls{dir / "ca.pem", {(dir / "server.pem").string(), (dir / "server-key.pem").string()}};
  if (std::filesystem::exists(tls.ca_certificate) && std::filesystem::exists(tls.server.certificate_chain_file) &&
      std::filesystem::exists(tls.server.private_key_file))
    return tls;
  auto ca_key = crypto::Key::generate_ec_p256();
  auto ca = crypto::Certificate::issue(
      ca_key, {.common_name = "mcpgate development CA", .validity = std::chrono::hours(24 * 3650), .is_ca = true},
      ca_key);
  auto server_key = crypto::Key::generate_ec_p256();
  auto server = crypto::Certificate::issue(server_key,
                                           {.common_name = "localhost",
                                            .dns_names = {"localhost"},
                                            .ip_addresses = {"127.0.0.1", "::1"},
                                            .validity = std::chrono::hours(24 * 825)},
                                           ca_key, &ca);
  // The key files first: a crash in between leaves no certificate without its key.
  write_file_atomically(tls.server.private_key_file, server_key.private_pem());
  write_file_atomically(tls.server.certificate_chain_file, server.pem() + ca.pem(),
                        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                            std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  write_file_atomically(tls.ca_certificate, ca.pem(),
                        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                            std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  return tls;
}

}  // namespace mcpgate::http
