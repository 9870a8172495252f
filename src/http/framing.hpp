#pragma once
// The HTTP/1.1 message rules (RFC 9110, RFC 9112) that decide where one request ends and the
// next begins, and what a request may claim about itself, as pure functions over a request head:
// the server applies them before reading a body, the gateway before forwarding anything, and
// the fuzz targets and unit tests call them directly. An ambiguity is refused, never resolved.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace mcpgate::http {

struct RequestHead {
  std::string_view method;
  std::string_view target;
  unsigned version = 11;  // 10 or 11
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

// Why a head is refused, with the status to answer and a sentence naming what to fix. Every
// refusal also closes the connection: after it, nothing on the connection can be trusted.
struct HeadRefusal {
  int status = 400;
  std::string message;
};

// Transfer-Encoding other than exactly "chunked", Transfer-Encoding with Content-Length, several
// or malformed Content-Length fields, a missing, repeated or invalid Host in HTTP/1.1, targets
// that are not origin-form (absolute-form, authority-form; asterisk-form except for OPTIONS *),
// an Expect other than 100-continue (417).
std::optional<HeadRefusal> check_request_head(const RequestHead& head);
std::optional<HeadRefusal> check_request_head(const Request& request);  // the same rules, as the server parsed it

// Whether the client waits for "100 Continue" before sending its body.
bool expects_continue(const RequestHead& head);
bool expects_continue(const Request& request);

// A valid Host field value: reg-name or IP literal, optional port (RFC 9110 §7.2, RFC 3986).
bool valid_host(std::string_view host);

}  // namespace mcpgate::http
