#include "http/form.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace mcpgate::http {

std::optional<std::string_view> Form::get(std::string_view name) const {
  for (const auto& [n, v] : pairs_)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

size_t Form::count(std::string_view name) const {
  size_t c = 0;
  for (const auto& p : pairs_) c += p.first == name;
  return c;
}

std::optional<std::string_view> Form::repeated_name() const {
  for (size_t i = 0; i < pairs_.size(); ++i)
    for (size_t j = i + 1; j < pairs_.size(); ++j)
      if (pairs_[i].first == pairs_[j].first) return std::string_view(pairs_[i].first);
  return std::nullopt;
}

std::string Form::url_encode(std::string_view text) { return boost::urls::encode(text, boost::urls::unreserved_chars); }

namespace {

// Form encoding writes a space as '+', which URL decoding leaves alone; an encoded "%2B"
// must still come out as '+', so decoding works on the raw (already validated) text.
std::string form_decode(std::string_view raw) {
  auto hex = [](char h) { return h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10; };
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      out += ' ';
    } else if (raw[i] == '%' && i + 2 < raw.size()) {
      out += char(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

}  // namespace

boost::system::result<Form, FormError> parse_form(std::string_view encoded) {
  Form form;
  if (encoded.empty()) return form;
  // Boost.URL 1.81 reads one byte past the end of the view it parses (found by fuzz/form.cpp);
  // a std::string always has its terminating NUL there, whatever the caller's buffer is.
  const std::string terminated(encoded);
  auto params = boost::urls::parse_query(terminated);
  if (!params) return FormError::bad_encoding;
  for (auto p : *params) form.add(form_decode(p.key), p.has_value ? form_decode(p.value) : std::string());
  return form;
}

}  // namespace mcpgate::http
