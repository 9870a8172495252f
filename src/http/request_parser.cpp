#include "http/request_parser.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/strings.hpp"

namespace mcpgate::http {
namespace {

// tchar (RFC 9110 §5.6.2): what methods and field names are made of.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[size_t(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[size_t(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[size_t(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (!kTokenChars[c]) return false;
  return true;
}

// Sixteen bytes at a time (SSE2, part of every x86-64) or eight (a word's bit tricks
// elsewhere): a block without a byte below `floor` and without DEL is clean, and nearly all are
// (a bearer token is over a kilobyte); a flagged block is then looked at byte by byte, which is
// where an allowed tab is told from a control character.
template <uint8_t floor, bool tab_allowed>
bool clean_text(std::string_view text) {
  auto allowed = [](unsigned char c) { return (c >= floor && c != 0x7f) || (tab_allowed && c == '\t'); };
  auto bytes_allowed = [&](const char* from, size_t n) {
    for (size_t j = 0; j < n; ++j)
      if (!allowed(static_cast<unsigned char>(from[j]))) return false;
    return true;
  };
  const char* p = text.data();
  size_t n = text.size();
  size_t i = 0;
#if defined(__SSE2__)
  // Signed bytes: those below `floor` are the ones >= 0 and < floor (obs-text is negative).
  const __m128i below = _mm_set1_epi8(char(floor));
  const __m128i minus_one = _mm_set1_epi8(-1);
  const __m128i del = _mm_set1_epi8(0x7f);
  for (; i + 16 <= n; i += 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i control = _mm_and_si128(_mm_cmplt_epi8(block, below), _mm_cmpgt_epi8(block, minus_one));
    __m128i flagged = _mm_or_si128(control, _mm_cmpeq_epi8(block, del));
    if (_mm_movemask_epi8(flagged) != 0 && !bytes_allowed(p + i, 16)) return false;
  }
#else
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, p + i, 8);
    uint64_t low = (word - kOnes * floor) & ~word & kHighs;  // exact for floor <= 0x80
    uint64_t x = word ^ (kOnes * 0x7f);
    uint64_t is_del = (x - kOnes) & ~x & kHighs;
    if ((low | is_del) != 0 && !bytes_allowed(p + i, 8)) return false;
  }
#endif
  return bytes_allowed(p + i, n - i);
}

// request-target as Beast and most servers take it: visible ASCII and bytes above it.
bool clean_target(std::string_view text) { return !text.empty() && clean_text<0x21, false>(text); }
// field-value: visible characters, obs-text, spaces and tabs (RFC 9110 §5.5).
bool clean_value(std::string_view text) { return clean_text<0x20, true>(text); }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadParse refused(int status, std::string_view reason) {
  HeadParse r;
  r.state = HeadParse::State::refused;
  r.status = status;
  r.reason = reason;
  return r;
}

constexpr std::string_view kTooLarge = "the request headers are larger than the server accepts";
constexpr std::string_view kBareLf = "every line of the request head must end with CRLF, not a bare LF";

}  // namespace

HeadParse RequestHeadParser::parse(std::string_view buffered, Request& out) {
  // Where the head ends: the first empty line. scanned_ is the start of the line not yet ended.
  size_t end = 0;
  for (;;) {
    const void* lf = scanned_ < buffered.size()
                         ? std::memchr(buffered.data() + scanned_, '\n', buffered.size() - scanned_)
                         : nullptr;
    if (!lf) {
      if (buffered.size() > max_head_bytes_) return refused(431, kTooLarge);
      return {};
    }
    size_t at = size_t(static_cast<const char*>(lf) - buffered.data());
    if (at == 0 || buffered[at - 1] != '\r') return refused(400, kBareLf);
    if (at + 1 > max_head_bytes_) return refused(431, kTooLarge);
    bool empty_line = at - 1 == scanned_;
    scanned_ = at + 1;
    if (empty_line) {
      end = at + 1;
      break;
    }
  }
  if (end == 2) return refused(400, "the request starts with an empty line; send the request line first");

  std::string_view head = buffered.substr(0, end - 2);  // without the empty line's CRLF
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  // request-line = method SP request-target SP HTTP-version
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos)
    return refused(400, "the request line must be METHOD, a space, the target, a space and HTTP/1.1");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!token(method)) return refused(400, "the request method is not a valid token");
  if (!clean_target(target))
    return refused(400, "the request target holds a space or a control character; percent-encode it");
  if (version == "HTTP/1.1")
    out.version = 11;
  else if (version == "HTTP/1.0")
    out.version = 10;
  else
    return refused(400, "the HTTP version must be HTTP/1.1 (or HTTP/1.0)");

  out.headers.clear();
  out.headers.reserve(16, rest.size());
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    std::string_view field = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (field.front() == ' ' || field.front() == '\t')
      return refused(400, "a header line starts with whitespace (obsolete line folding); send each field on one line");
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return refused(400, "a header line has no colon; send fields as Name: value");
    std::string_view name = field.substr(0, colon);
    if (!token(name))
      return refused(400,
                     "a header field name is empty or holds a character it may not (whitespace before the colon?)");
    std::string_view value = trim_ows(field.substr(colon + 1));
    if (!clean_value(value)) return refused(400, "a header field value holds a control character");
    out.headers.add(name, value);
  }

  out.method.assign(method);
  out.target.assign(target);
  size_t q = target.find('?');
  out.path.assign(target.substr(0, q));
  if (q == std::string_view::npos)
    out.query.clear();
  else
    out.query.assign(target.substr(q + 1));
  HeadParse done;
  done.state = HeadParse::State::complete;
  done.size = end;
  return done;
}

BodyFraming body_framing(const Headers& headers) {
  BodyFraming framing;
  for (auto [name, value] : headers.fields()) {
    if (iequals(name, "Transfer-Encoding")) {
      framing.chunked = true;
    } else if (iequals(name, "Content-Length")) {
      size_t length = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      // check_request_head took only digits: what does not parse is too large for any limit.
      framing.length =
          ec == std::errc() && end == value.data() + value.size() ? length : std::numeric_limits<size_t>::max();
    }
  }
  return framing;
}

bool keeps_alive(unsigned version, const Headers& headers) {
  bool close = false;
  bool keep_alive = false;
  for (auto [name, value] : headers.fields()) {
    if (!iequals(name, "Connection")) continue;
    while (!value.empty()) {
      size_t comma = value.find(',');
      auto option = trim_ows(value.substr(0, comma));
      close = close || iequals(option, "close");
      keep_alive = keep_alive || iequals(option, "keep-alive");
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return version == 11 ? !close : keep_alive && !close;
}

}  // namespace mcpgate::http
