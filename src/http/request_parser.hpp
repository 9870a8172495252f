#pragma once
// HTTP/1.1 request heads (RFC 9112 §2-5) parsed in one pass straight into a Request, which a
// connection keeps and reuses: after the first request, parsing allocates nothing. Strict where
// leniency lets two parsers disagree about a message: lines end in CRLF, obs-fold and whitespace
// before a colon are refused, field values carry no control characters. The framing rules that
// span fields (Content-Length against Transfer-Encoding, Host) are http/framing.hpp's.
#include <cstddef>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace mcpgate::http {

struct HeadParse {
  enum class State { incomplete, complete, refused };
  State state = State::incomplete;
  size_t size = 0;          // complete: the head's bytes, the empty line included
  int status = 0;           // refused: 400, or 431 when the head is larger than allowed
  std::string_view reason;  // refused: what is wrong, as a sentence for the client
};

class RequestHeadParser {
 public:
  explicit RequestHeadParser(size_t max_head_bytes) : max_head_bytes_(max_head_bytes) {}

  // `buffered` holds what has arrived of the request so far, from its first byte. Until the
  // empty line ends the head, only the new bytes are looked at (a head sent byte by byte is
  // scanned once); once it has, the head is parsed into `out` (method, target, path, query,
  // version, headers), replacing what `out` held.
  HeadParse parse(std::string_view buffered, Request& out);
  // For the next request on the connection.
  void reset() { scanned_ = 0; }

 private:
  size_t max_head_bytes_;
  size_t scanned_ = 0;  // bytes known to hold no end of the head
};

// The body's framing as the head declares it, once check_request_head accepted it: a length
// (0 without one), or chunked.
struct BodyFraming {
  bool chunked = false;
  size_t length = 0;
};
BodyFraming body_framing(const Headers& headers);

// Whether the connection stays open after this request (RFC 9112 §9.3): HTTP/1.1 unless a
// Connection field says "close", HTTP/1.0 only when one says "keep-alive".
bool keeps_alive(unsigned version, const Headers& headers);

}  // namespace mcpgate::http
