#include "config/yaml_reader.hpp"

#include <cstdlib>

#include <boost/url/parse.hpp>

#include "common/duration.hpp"
#include "common/files.hpp"

namespace mcpgate::config {

YamlReader::YamlReader(const YAML::Node& node, std::string path, std::string source)
    : node_(node), path_(std::move(path)), source_(std::move(source)) {}

YamlReader YamlReader::from_file(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) throw ConfigError(file.string() + ": cannot read the file (does it exist and is it readable?)");
  return from_string(*text, file.string());
}

YamlReader YamlReader::from_string(std::string_view text, std::string source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(source_name + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw ConfigError(source_name + ": the top level must be a mapping of keys to values");
  return YamlReader(root, "", std::move(source_name));
}

std::string YamlReader::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void YamlReader::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(source_ + ": " + key_path(key) + ": " + message);
}

void YamlReader::fail_here(const std::string& message) const {
  throw ConfigError(source_ + ": " + (path_.empty() ? "(top level)" : path_) + ": " + message);
}

bool YamlReader::has(const std::string& key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }

bool YamlReader::has_map(const std::string& key) const { return has(key) && node_[key].IsMap(); }

YamlReader YamlReader::child(const std::string& key) const {
  if (!has(key)) return YamlReader(YAML::Node(YAML::NodeType::Map), key_path(key), source_);
  auto n = node_[key];
  if (!n.IsMap()) fail(key, "must be a mapping (key: value lines)");
  return YamlReader(n, key_path(key), source_);
}

std::vector<YamlReader> YamlReader::list(const std::string& key) const {
  std::vector<YamlReader> out;
  if (!has(key)) return out;
  auto n = node_[key];
  if (!n.IsSequence()) fail(key, "must be a list (lines starting with '- ')");
  for (size_t i = 0; i < n.size(); ++i) {
    std::string p = key_path(key) + "[" + std::to_string(i) + "]";
    if (!n[i].IsMap()) throw ConfigError(source_ + ": " + p + ": must be a mapping (key: value lines)");
    out.emplace_back(n[i], p, source_);
  }
  return out;
}

std::string YamlReader::scalar(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar()) fail(key, "must be a single value, not a list or mapping");
  return resolve_reference(n.Scalar(), source_ + ": " + key_path(key));
}

std::string YamlReader::str(const std::string& key) const {
  if (!has(key)) fail(key, "is required");
  return scalar(node_[key], key);
}

std::optional<std::string> YamlReader::opt_str(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return scalar(node_[key], key);
}

std::string YamlReader::str_or(const std::string& key, std::string fallback) const {
  auto v = opt_str(key);
  return v ? *v : std::move(fallback);
}

bool YamlReader::boolean(const std::string& key, bool fallback) const {
  auto v = opt_str(key);
  if (!v) return fallback;
  if (*v == "true" || *v == "yes" || *v == "on") return true;
  if (*v == "false" || *v == "no" || *v == "off") return false;
  fail(key, "must be true or false, got '" + *v + "'");
}

long long YamlReader::integer(const std::string& key, long long fallback, long long min, long long max) const {
  auto v = opt_str(key);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
    if (n < min || n > max)
      fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + *v);
    return n;
  } catch (const std::logic_error&) {
    fail(key, "must be a whole number, got '" + *v + "'");
  }
}

std::chrono::milliseconds YamlReader::duration(const std::string& key, std::chrono::milliseconds fallback) const {
  auto v = opt_str(key);
  if (!v) return fallback;
  auto d = parse_duration(*v);
  if (!d) fail(key, "must be a duration such as 30s, 10m, 1h or 250ms, got '" + *v + "'");
  return *d;
}

std::vector<std::string> YamlReader::strings(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  auto n = node_[key];
  if (n.IsScalar()) return {scalar(n, key)};
  if (!n.IsSequence()) fail(key, "must be a list of values");
  for (size_t i = 0; i < n.size(); ++i) out.push_back(scalar(n[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

namespace {
// An http(s) URL without trailing slashes; nullopt when it is none.
std::optional<std::string> clean_http_url(std::string value) {
  auto u = boost::urls::parse_absolute_uri(value);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) return std::nullopt;
  while (value.size() > 1 && value.back() == '/') value.pop_back();
  return value;
}
}  // namespace

std::string YamlReader::http_url(const std::string& key, std::string fallback) const {
  auto value = opt_str(key);
  if (!value) return fallback;
  auto url = clean_http_url(*value);
  if (!url) fail(key, "must be an http:// or https:// URL, got '" + *value + "'");
  return *url;
}

std::vector<std::string> YamlReader::http_urls(const std::string& key) const {
  std::vector<std::string> out;
  auto values = strings(key);
  for (size_t i = 0; i < values.size(); ++i) {
    auto url = clean_http_url(values[i]);
    if (!url)
      fail(values.size() == 1 ? key : key + "[" + std::to_string(i) + "]",
           "must be an http:// or https:// URL, got '" + values[i] + "'");
    out.push_back(std::move(*url));
  }
  return out;
}

ListenSection read_listen(const YamlReader& root, std::string default_host, uint16_t default_port) {
  auto listen = root.child("listen");
  listen.allow_only({"host", "port", "tls"});
  ListenSection section;
  section.host = listen.str_or("host", std::move(default_host));
  section.port = uint16_t(listen.integer("port", default_port, 0, 65535));
  if (listen.has("tls")) {
    auto tls = listen.child("tls");
    tls.allow_only({"certificate", "key"});
    section.tls = std::make_pair(tls.str("certificate"), tls.str("key"));
  }
  return section;
}

void YamlReader::allow_only(std::initializer_list<std::string_view> keys) const {
  allow_only(std::vector<std::string_view>(keys));
}

void YamlReader::allow_only(const std::vector<std::string_view>& keys) const {
  if (!node_.IsMap()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    // `{[a]: 1}` or `{? {x: 1}}` make a list or mapping the key (found by fuzz/yaml_config.cpp);
    // converting it threw yaml-cpp's "bad conversion", which names neither the file nor the place.
    if (!it->first.IsScalar())
      fail_here("a key must be a plain name, not a list or mapping (check the braces and brackets)");
    auto name = it->first.Scalar();
    bool known = false;
    for (auto k : keys) known = known || k == name;
    if (!known) {
      std::string expected;
      for (auto k : keys) expected += (expected.empty() ? "" : ", ") + std::string(k);
      fail(name, "unknown key (expected one of: " + expected + ")");
    }
  }
}

std::string resolve_reference(const std::string& raw, const std::string& where) {
  if (raw.size() < 4 || raw.rfind("${", 0) != 0 || raw.back() != '}') return raw;
  std::string_view inner(raw.data() + 2, raw.size() - 3);
  if (inner.rfind("env:", 0) == 0) {
    std::string name(inner.substr(4));
    const char* value = std::getenv(name.c_str());
    if (!value) throw ConfigError(where + ": refers to environment variable " + name + ", which is not set");
    return value;
  }
  if (inner.rfind("file:", 0) == 0) {
    std::string file(inner.substr(5));
    auto text = read_file(file);
    if (!text) throw ConfigError(where + ": refers to file " + file + ", which cannot be read");
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
    return *text;
  }
  throw ConfigError(where + ": '${...}' must be ${env:NAME} or ${file:/path}");
}

}  // namespace mcpgate::config
