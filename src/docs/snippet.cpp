#include "docs/snippet.hpp"

#include <cctype>

namespace mcpgate::docs {

std::string Snippet::breadcrumb_text() const {
  std::string out;
  for (auto& part : breadcrumb) {
    if (!out.empty()) out += " > ";
    out += part;
  }
  return out;
}

int Snippet::tokens() const {
  int total = approximate_tokens(title) + approximate_tokens(description) + approximate_tokens(content);
  for (auto& block : code) total += approximate_tokens(block.code);
  return total;
}

int approximate_tokens(std::string_view text) { return int((text.size() + 3) / 4); }

std::string heading_slug(std::string_view heading) {
  std::string slug;
  for (unsigned char c : heading) {
    if (c >= 0x80 || std::isalnum(c) || c == '-' || c == '_')
      slug += char(c >= 0x80 ? c : std::tolower(c));
    else if (c == ' ')
      slug += '-';
  }
  return slug;
}

SignatureParts split_signature(std::string_view heading) {
  size_t open = heading.find('(');
  // A call: an identifier (or a bracketed member like buf[index]) right before "(", and the
  // heading ends at the matching ")". "Streams (advanced)" is prose, not a call.
  if (open == std::string_view::npos || open == 0 || heading.size() < open + 2 || heading.back() != ')')
    return {std::string(heading), {}};
  unsigned char before = heading[open - 1];
  if (!(std::isalnum(before) || before == '_' || before == '$' || before == ']')) return {std::string(heading), {}};
  std::string parameters;
  for (unsigned char c : heading.substr(open + 1, heading.size() - open - 2)) {
    bool word = std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
    if (word)
      parameters += char(c);
    else if (!parameters.empty() && parameters.back() != ' ')
      parameters += ' ';
  }
  while (!parameters.empty() && parameters.back() == ' ') parameters.pop_back();
  return {std::string(heading.substr(0, open)), std::move(parameters)};
}

std::string normalized_for_comparison(std::string_view text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      if (space && !out.empty()) out += ' ';
      space = false;
      out += char(std::tolower(c));
    } else {
      space = true;
    }
  }
  return out;
}

}  // namespace mcpgate::docs
