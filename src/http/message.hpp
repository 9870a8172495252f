#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/fwd.hpp>

namespace mcpgate::http {

// Header fields in arrival order; names compare case-insensitively. Duplicates are kept,
// because some checks (two Authorization headers) must see them.
class Headers {
 public:
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void set(std::string_view name, std::string value);  // replaces every field of that name
  void remove(std::string_view name);
  std::optional<std::string_view> get(std::string_view name) const;  // first of that name
  size_t count(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // target up to '?', still percent-encoded
  std::string query;   // after '?', without it
  Headers headers;
  std::string body;
  std::string scheme = "http";  // of the listener that received it
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response redirect(std::string location, int status = 302);
};

std::string_view reason_phrase(int status);

}  // namespace mcpgate::http
