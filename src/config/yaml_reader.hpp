#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace mcpgate::config {

// Every configuration problem is reported as "<file>: <yaml.path>: <what is wrong>".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A YAML node that knows where it sits, so every error names its path.
// Scalars may be written as ${env:NAME} or ${file:/path} to keep secrets out of the file.
class YamlReader {
 public:
  YamlReader(const YAML::Node& node, std::string path, std::string source);

  static YamlReader from_file(const std::filesystem::path& file);
  static YamlReader from_string(std::string_view text, std::string source_name);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;
  bool is_map() const { return node_.IsMap(); }
  bool has_map(const std::string& key) const;  // present, and a mapping (not a scalar)
  YamlReader child(const std::string& key) const;
  std::vector<YamlReader> list(const std::string& key) const;  // absent → empty

  std::string str(const std::string& key) const;  // required
  std::optional<std::string> opt_str(const std::string& key) const;
  std::string str_or(const std::string& key, std::string fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  long long integer(const std::string& key, long long fallback, long long min, long long max) const;
  std::chrono::milliseconds duration(const std::string& key, std::chrono::milliseconds fallback) const;
  std::vector<std::string> strings(const std::string& key) const;  // a list of scalars, or one scalar
  // An absolute http:// or https:// URL without trailing slashes; fallback when absent.
  std::string http_url(const std::string& key, std::string fallback) const;
  // One URL or a list of them, each as http_url() reads it; absent → empty.
  std::vector<std::string> http_urls(const std::string& key) const;

  // Refuses keys that are not listed: a typo must not silently fall back to a default.
  void allow_only(std::initializer_list<std::string_view> keys) const;
  void allow_only(const std::vector<std::string_view>& keys) const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;

 private:
  std::string key_path(const std::string& key) const;
  std::string scalar(const YAML::Node& node, const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  std::string source_;
};

// The `listen:` section every server shares: host, port, optional tls {certificate, key}.
struct ListenSection {
  std::string host;
  uint16_t port = 0;
  std::optional<std::pair<std::string, std::string>> tls;  // certificate file, key file
};
ListenSection read_listen(const YamlReader& root, std::string default_host, uint16_t default_port);

// ${env:NAME} and ${file:/path} references; any other text is returned as it is.
// Throws ConfigError (with where) when the variable is unset or the file unreadable.
std::string resolve_reference(const std::string& raw, const std::string& where);

}  // namespace mcpgate::config
