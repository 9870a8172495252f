#include "docs/index_text.hpp"

#include <algorithm>
#include <cctype>

namespace mcpgate::docs {

namespace {

bool word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// Splits "readFileSync" / "read_file_sync" / "HTTPServer" into its parts.
std::vector<std::string> identifier_parts(std::string_view word) {
  std::vector<std::string> parts;
  std::string current;
  for (size_t i = 0; i < word.size(); ++i) {
    unsigned char c = word[i];
    if (c == '_') {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
      continue;
    }
    bool boundary = false;
    if (!current.empty() && std::isupper(c)) {
      unsigned char prev = word[i - 1];
      bool next_lower = i + 1 < word.size() && std::islower(static_cast<unsigned char>(word[i + 1]));
      boundary = std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower);
    }
    if (boundary) {
      parts.push_back(std::move(current));
      current.clear();
    }
    current += char(c);
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

}  // namespace

void for_each_word(std::string_view text, const std::function<void(std::string_view)>& f) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_char(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && word_char(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) f(text.substr(start, i - start));
  }
}

std::vector<std::string> word_parts(std::string_view text) {
  std::vector<std::string> out;
  for_each_word(text, [&](std::string_view word) {
    for (auto& part : identifier_parts(word)) {
      for (auto& c : part) c = char(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(std::move(part));
    }
  });
  return out;
}

// The first sentence of prose, skipping list lines (Node's "* `path` {string}" parameter lists)
// and headings; at most 40 words.
std::string first_sentence(std::string_view text) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) continue;
    line.remove_prefix(start);
    if (line.front() == '*' || line.front() == '-' || line.front() == '#' || line.front() == '>' ||
        line.front() == '|' || line.front() == '<')
      continue;
    std::string out;
    int words = 0;
    bool in_word = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      bool space = c == ' ' || c == '\t';
      if (!space && !in_word && ++words > 40) break;
      in_word = !space;
      out += c;
      if ((c == '.' || c == '?' || c == '!') && (i + 1 == line.size() || line[i + 1] == ' ')) break;
    }
    return out;
  }
  return {};
}

std::string searchable_text(std::string_view text) {
  std::string extra;
  for_each_word(text, [&](std::string_view word) {
    auto parts = identifier_parts(word);
    if (parts.size() < 2) return;
    for (auto& p : parts) extra += " " + p;
  });
  if (extra.empty()) return std::string(text);
  return std::string(text) + "\n" + extra;
}

std::vector<std::string> index_words(std::string_view text) {
  std::vector<std::string> words;
  auto add = [&](std::string_view w) {
    if (w.size() < 3 || w.size() > 40) return;
    std::string lower;
    for (unsigned char c : w) lower += char(std::tolower(c));
    if (std::all_of(lower.begin(), lower.end(), [](unsigned char c) { return std::isdigit(c); })) return;
    words.push_back(std::move(lower));
  };
  for_each_word(text, [&](std::string_view word) {
    add(word);
    auto parts = identifier_parts(word);
    if (parts.size() > 1)
      for (auto& p : parts) add(p);
  });
  return words;
}

}  // namespace mcpgate::docs
