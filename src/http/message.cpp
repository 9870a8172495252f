#include "http/message.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/strings.hpp"

namespace mcpgate::http {

void Headers::add(std::string_view name, std::string_view value) {
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  auto inside = [&](std::string_view v) { return !v.empty() && v.data() >= begin && v.data() < end; };
  if (inside(name) || inside(value)) {  // a view of these very fields: copied before the text moves
    std::string copy;
    copy.reserve(name.size() + value.size());
    copy.append(name).append(value);
    add(std::string_view(copy).substr(0, name.size()), std::string_view(copy).substr(name.size()));
    return;
  }
  if (text_.size() + name.size() + value.size() > UINT32_MAX) throw std::length_error("header fields too large");
  // A message has a handful of fields, one of them often a kilobyte-long token: growing from
  // nothing would reallocate several times per message.
  if (slots_.capacity() == 0) slots_.reserve(12);
  if (text_.capacity() < 512) text_.reserve(std::max<size_t>(512, text_.size() + name.size() + value.size()));
  slots_.push_back({uint32_t(text_.size()), uint32_t(name.size()), uint32_t(value.size())});
  text_.append(name).append(value);
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);  // leaves the text in place, so `value` may still be a view of it
  add(name, value);
}

void Headers::remove(std::string_view name) {
  std::erase_if(slots_,
                [&](const Slot& s) { return iequals(std::string_view(text_.data() + s.name_at, s.name_size), name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    const char* at = text_.data() + s.name_at;
    if (s.name_size == name.size() && iequals(std::string_view(at, s.name_size), name))
      return std::string_view(at + s.name_size, s.value_size);
  }
  return std::nullopt;
}

size_t Headers::count(std::string_view name) const {
  size_t n = 0;
  for (const auto& s : slots_) n += iequals(std::string_view(text_.data() + s.name_at, s.name_size), name);
  return n;
}

std::vector<std::pair<std::string, std::string>> Headers::pairs() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(size());
  for (auto [name, value] : fields()) out.emplace_back(name, value);
  return out;
}

Response Response::json(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json; charset=utf-8");
  r.body = boost::json::serialize(body);
  return r;
}

Response Response::text(int status, std::string body, std::string_view content_type) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

Response Response::redirect(std::string_view location, int status) {
  Response r;
  r.status = status;
  r.headers.set("Location", location);
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace mcpgate::http
