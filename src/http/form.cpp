#include "http/form.hpp"

#include <unordered_map>

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

// Linear in the number of pairs: a body of a million distinct names must not cost a million
// squared comparisons. The first name, in order, that appears again is the one reported.
std::optional<std::string_view> Form::repeated_name() const {
  std::unordered_map<std::string_view, size_t> first_at;
  first_at.reserve(pairs_.size());
  std::optional<size_t> earliest;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    auto [it, inserted] = first_at.try_emplace(pairs_[i].first, i);
    if (!inserted && (!earliest || it->second < *earliest)) earliest = it->second;
  }
  if (!earliest) return std::nullopt;
  return std::string_view(pairs_[*earliest].first);
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
