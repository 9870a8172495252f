#include "http/framing.hpp"

#include <algorithm>
#include <cctype>

#include "common/strings.hpp"

namespace mcpgate::http {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool reg_name_char(char c) {
  // unreserved, pct-encoded and sub-delims of RFC 3986, less what a host never needs.
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

HeadRefusal refuse(int status, std::string message) { return {status, std::move(message)}; }

}  // namespace

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  std::string_view name = host;
  std::string_view port;
  if (host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    auto literal = host.substr(1, close - 1);
    if (literal.empty() || !std::all_of(literal.begin(), literal.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return false;
    auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!all_digits(port) || port.size() > 5) return false;
    }
    return true;
  }
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (!all_digits(port) || port.size() > 5) return false;
  }
  return !name.empty() && std::all_of(name.begin(), name.end(), reg_name_char);
}

namespace {

template <class Fields>
bool expects_continue_in(const Fields& fields) {
  for (auto [name, value] : fields)
    if (iequals(name, "Expect") && iequals(trim(value), "100-continue")) return true;
  return false;
}

template <class Fields>
std::optional<HeadRefusal> check_head(std::string_view method, std::string_view target, unsigned version,
                                      const Fields& fields) {
  int transfer_encodings = 0, content_lengths = 0, hosts = 0;
  std::string_view transfer_encoding, content_length, host;
  for (auto [name, value] : fields) {
    if (iequals(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = value;
    } else if (iequals(name, "Content-Length")) {
      ++content_lengths;
      content_length = value;
    } else if (iequals(name, "Host")) {
      ++hosts;
      host = value;
    } else if (iequals(name, "Expect") && !iequals(trim(value), "100-continue")) {
      return refuse(417, "Expect: only 100-continue is supported");
    }
  }
  if (transfer_encodings > 0) {
    if (version < 11) return refuse(400, "Transfer-Encoding is not allowed in HTTP/1.0 requests");
    if (transfer_encodings > 1 || !iequals(trim(transfer_encoding), "chunked"))
      return refuse(400,
                    "Transfer-Encoding must be exactly 'chunked' (one field, no other coding): send the body "
                    "chunked, or with Content-Length");
    if (content_lengths > 0) return refuse(400, "a request may carry Transfer-Encoding or Content-Length, not both");
  }
  if (content_lengths > 1) return refuse(400, "send exactly one Content-Length field");
  if (content_lengths == 1 && (!all_digits(content_length) || content_length.size() > 18))
    return refuse(400, "Content-Length must be a decimal number of bytes");
  if (version >= 11) {
    if (hosts == 0) return refuse(400, "HTTP/1.1 requests must carry a Host field");
    if (hosts > 1) return refuse(400, "send exactly one Host field");
  }
  if (hosts == 1 && !valid_host(trim(host))) return refuse(400, "the Host field is not a valid host[:port]");
  if (target == "*") {
    if (method != "OPTIONS") return refuse(400, "the target * is only for OPTIONS");
  } else if (target.empty() || target.front() != '/') {
    return refuse(400, "the request target must be a path (origin-form): this server is not a forward proxy");
  }
  return std::nullopt;
}

}  // namespace

bool expects_continue(const RequestHead& head) { return expects_continue_in(head.fields); }
bool expects_continue(const Request& request) { return expects_continue_in(request.headers.fields()); }

std::optional<HeadRefusal> check_request_head(const RequestHead& head) {
  return check_head(head.method, head.target, head.version, head.fields);
}
std::optional<HeadRefusal> check_request_head(const Request& request) {
  return check_head(request.method, request.target, request.version, request.headers.fields());
}

}  // namespace mcpgate::http
