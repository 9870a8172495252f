#include "idp/keystore.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include <boost/json.hpp>

#include "common/base64.hpp"
#include "common/files.hpp"

namespace mcpgate::idp {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path keys_dir(const fs::path& data_dir) { return data_dir / "keys"; }
fs::path index_file(const fs::path& data_dir) { return keys_dir(data_dir) / "index.json"; }

// Serialises writers (a running server creating the first key, rotate-keys) across processes.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open lock file in " + dir.string());
    ::flock(fd_, LOCK_EX);
  }
  ~DirLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

std::vector<SigningKey> load_keys(const fs::path& data_dir) {
  std::vector<SigningKey> keys;
  auto text = read_file(index_file(data_dir));
  if (!text) return keys;
  boost::system::error_code ec;
  auto doc = json::parse(*text, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("keys"))
    throw std::runtime_error(index_file(data_dir).string() + " is damaged; remove the keys directory to start afresh");
  for (auto& entry : doc.at("keys").as_array()) {
    auto& o = entry.as_object();
    std::string kid(o.at("kid").as_string());
    auto key_pem = read_file(keys_dir(data_dir) / (kid + ".key.pem"));
    auto cert_pem = read_file(keys_dir(data_dir) / (kid + ".cert.pem"));
    if (!key_pem || !cert_pem) throw std::runtime_error("signing key " + kid + " is missing its PEM files");
    auto key = crypto::Key::from_pem(*key_pem);
    auto cert = crypto::Certificate::from_pem(*cert_pem);
    if (!key || !cert) throw std::runtime_error("signing key " + kid + " has unreadable PEM files");
    SigningKey k{kid, *key, *cert, SysTime(Seconds(o.at("created").to_number<int64_t>())), std::nullopt};
    if (o.contains("retire_at") && !o.at("retire_at").is_null())
      k.retire_at = SysTime(Seconds(o.at("retire_at").to_number<int64_t>()));
    keys.push_back(std::move(k));
  }
  return keys;
}

void save_index(const fs::path& data_dir, const std::vector<SigningKey>& keys) {
  json::array arr;
  for (auto& k : keys) {
    json::object o{{"kid", k.kid}, {"created", unix_seconds(k.created)}};
    o["retire_at"] = k.retire_at ? json::value(unix_seconds(*k.retire_at)) : json::value(nullptr);
    arr.push_back(std::move(o));
  }
  write_file_atomically(index_file(data_dir), json::serialize(json::object{{"keys", arr}}));
}

SigningKey new_key(const fs::path& data_dir, const Clock& clock) {
  auto key = crypto::Key::generate_rsa(2048);
  // Entra publishes self-signed certificates valid for about five years.
  auto cert = crypto::Certificate::issue(
      key, {.common_name = "accounts.mcpgate.dev", .validity = std::chrono::hours(24 * 365 * 5)}, key);
  SigningKey k{cert.x5t(), key, cert, clock.now(), std::nullopt};
  write_file_atomically(keys_dir(data_dir) / (k.kid + ".key.pem"), key.private_pem());
  write_file_atomically(keys_dir(data_dir) / (k.kid + ".cert.pem"), cert.pem());
  return k;
}

}  // namespace

KeyStore::KeyStore(fs::path data_dir, const Clock& clock) : dir_(std::move(data_dir)), clock_(clock) {
  ensure_private_directory(keys_dir(dir_));
  {
    DirLock lock(keys_dir(dir_));
    if (load_keys(dir_).empty()) save_index(dir_, {new_key(dir_, clock_)});
  }
  std::lock_guard guard(mutex_);
  reload_if_changed();
}

void KeyStore::reload_if_changed() {
  struct stat st {};
  if (::stat(index_file(dir_).c_str(), &st) != 0) return;  // keep the keys we have
  auto mtime = fs::last_write_time(index_file(dir_));
  if (!keys_.empty() && uintmax_t(st.st_ino) == loaded_inode_ && mtime == loaded_mtime_) return;
  auto keys = load_keys(dir_);
  if (keys.empty()) return;
  keys_ = std::move(keys);
  loaded_inode_ = st.st_ino;
  loaded_mtime_ = mtime;
}

std::vector<SigningKey> KeyStore::published() const {
  std::vector<SigningKey> out;
  auto now = clock_.now();
  for (auto& k : keys_)
    if (!k.retire_at || *k.retire_at > now) out.push_back(k);
  return out;
}

SigningKey KeyStore::current() {
  std::lock_guard guard(mutex_);
  reload_if_changed();
  const SigningKey* best = nullptr;
  for (auto& k : keys_)
    if (!k.retire_at && (!best || k.created >= best->created)) best = &k;
  if (!best) best = &keys_.back();
  return *best;
}

std::optional<crypto::Key> KeyStore::verification_key(const std::string& kid) {
  std::lock_guard guard(mutex_);
  reload_if_changed();
  for (auto& k : published())
    if (k.kid == kid) return k.key;
  return std::nullopt;
}

json::object KeyStore::jwks(const std::string& issuer) {
  std::lock_guard guard(mutex_);
  reload_if_changed();
  json::array keys;
  for (auto& k : published()) {
    auto jwk = k.key.public_jwk();
    json::object o{{"kty", jwk["kty"]},
                   {"use", "sig"},
                   {"kid", k.kid},
                   {"x5t", k.kid},
                   {"n", jwk["n"]},
                   {"e", jwk["e"]},
                   {"x5c", json::array{base64_encode(k.cert.der())}},
                   {"issuer", issuer}};
    keys.push_back(std::move(o));
  }
  return json::object{{"keys", std::move(keys)}};
}

std::string KeyStore::rotate(const fs::path& data_dir, std::chrono::seconds grace, const Clock& clock) {
  ensure_private_directory(keys_dir(data_dir));
  DirLock lock(keys_dir(data_dir));
  auto keys = load_keys(data_dir);
  auto now = clock.now();
  for (auto& k : keys)
    if (!k.retire_at || *k.retire_at > now + grace) k.retire_at = now + grace;
  // Keys retired long ago only clutter the index.
  std::erase_if(keys,
                [&](const SigningKey& k) { return k.retire_at && *k.retire_at < now - std::chrono::hours(24 * 7); });
  keys.push_back(new_key(data_dir, clock));
  save_index(data_dir, keys);
  return keys.back().kid;
}

}  // namespace mcpgate::idp
