#pragma once
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "crypto/certificate.hpp"

namespace mcpgate::idp {

struct SigningKey {
  std::string kid;  // = x5t, the base64url SHA-1 thumbprint of cert, as Entra does
  crypto::Key key;
  crypto::Certificate cert;
  SysTime created;
  std::optional<SysTime> retire_at;  // still published, no longer used to sign, until then
};

// Signing keys persisted under <data-dir>/keys, shared by the running server and
// `mcpgate idp rotate-keys`: the server notices a rotation on its next request.
class KeyStore {
 public:
  KeyStore(std::filesystem::path data_dir, const Clock& clock);  // creates the first key if none

  SigningKey current();                                                 // the newest key, for signing
  std::optional<crypto::Key> verification_key(const std::string& kid);  // published keys only
  boost::json::object jwks(const std::string& issuer);                  // {"keys":[...]} in Entra's shape

  // Adds a new signing key; every older key is retired after grace (0: at once).
  static std::string rotate(const std::filesystem::path& data_dir, std::chrono::seconds grace, const Clock& clock);

 private:
  void reload_if_changed();
  std::vector<SigningKey> published() const;

  std::filesystem::path dir_;
  const Clock& clock_;
  std::mutex mutex_;
  std::vector<SigningKey> keys_;
  std::filesystem::file_time_type loaded_mtime_{};
  uintmax_t loaded_inode_ = 0;
};

}  // namespace mcpgate::idp
