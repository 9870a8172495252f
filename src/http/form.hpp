#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

namespace mcpgate::http {

// Decoded application/x-www-form-urlencoded pairs (a POST body or a query string).
class Form {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  size_t count(std::string_view name) const;
  // The first name given more than once, if any: OAuth forbids repeated parameters.
  std::optional<std::string_view> repeated_name() const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }
  void add(std::string name, std::string value) { pairs_.emplace_back(std::move(name), std::move(value)); }
  // Re-encodes, dropping parameters for which keep() returns false.
  template <class Keep>
  std::string encode_if(Keep keep) const {
    std::string out;
    for (const auto& [n, v] : pairs_) {
      if (!keep(n)) continue;
      if (!out.empty()) out += '&';
      out += url_encode(n) + "=" + url_encode(v);
    }
    return out;
  }
  std::string encode() const {
    return encode_if([](std::string_view) { return true; });
  }

  static std::string url_encode(std::string_view text);

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

enum class FormError { bad_encoding };

boost::system::result<Form, FormError> parse_form(std::string_view encoded);

}  // namespace mcpgate::http
