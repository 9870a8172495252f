#include "docs/lexicon.hpp"

#include <cctype>
#include <stdexcept>

#include "common/strings.hpp"
#include "docs/index_text.hpp"

namespace mcpgate::docs {

std::string_view lexicon_text();  // generated from lexicon.txt (lexicon_text.cpp.in)

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const std::vector<std::string> kNoWords;
const std::string kNoWord;

}  // namespace

Lexicon::Lexicon(std::string_view text) {
  std::string section;
  size_t number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trimmed(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      section = std::string(line);
      if (section != "[synonyms]" && section != "[abbreviations]" && section != "[forms]" && section != "[words]")
        throw std::invalid_argument("lexicon line " + std::to_string(number) + ": unknown section " + section);
      continue;
    }
    if (section == "[words]") {
      while (!line.empty()) {
        size_t comma = line.find(',');
        auto word = trimmed(line.substr(0, comma));
        if (!word.empty()) words_.insert(to_lower(std::string(word)));
        line.remove_prefix(comma == std::string_view::npos ? line.size() : comma + 1);
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || section.empty())
      throw std::invalid_argument("lexicon line " + std::to_string(number) + ": expected `word: words` in a section");
    std::string key = to_lower(std::string(trimmed(line.substr(0, colon))));
    std::string_view rest = trimmed(line.substr(colon + 1));
    if (key.empty() || rest.empty())
      throw std::invalid_argument("lexicon line " + std::to_string(number) + ": a word and what it stands for");
    if (section == "[synonyms]") {
      auto& list = synonyms_[key];
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        auto item = trimmed(rest.substr(0, comma));
        if (!item.empty()) list.push_back(to_lower(std::string(item)));
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
      }
    } else if (section == "[abbreviations]") {
      std::string long_form = to_lower(std::string(rest));
      expansions_[key] = long_form;
      if (long_form.find(' ') == std::string::npos) abbreviations_[long_form].push_back(key);
    } else {
      forms_[key] = to_lower(std::string(rest));
    }
  }
}

const Lexicon& Lexicon::builtin() {
  static const Lexicon lexicon(lexicon_text());
  return lexicon;
}

const std::vector<std::string>& Lexicon::synonyms(const std::string& word) const {
  auto it = synonyms_.find(word);
  return it == synonyms_.end() ? kNoWords : it->second;
}

const std::string& Lexicon::expansion(const std::string& word) const {
  auto it = expansions_.find(word);
  return it == expansions_.end() ? kNoWord : it->second;
}

const std::vector<std::string>& Lexicon::abbreviations(const std::string& word) const {
  auto it = abbreviations_.find(word);
  return it == abbreviations_.end() ? kNoWords : it->second;
}

bool Lexicon::known(const std::string& word) const {
  return words_.count(word) || expansions_.count(word) || abbreviations_.count(word) || synonyms_.count(word);
}

const std::string& Lexicon::base_form(const std::string& word) const {
  auto it = forms_.find(word);
  return it == forms_.end() ? kNoWord : it->second;
}

std::string Lexicon::plain_words(std::string_view name) const {
  std::string out;
  auto add = [&](const std::string& word) { out += (out.empty() ? "" : " ") + word; };
  auto parts = word_parts(name);
  bool split = parts.size() > 1;
  for (auto& part : parts) {
    if (auto& whole = expansion(part); !whole.empty()) {
      add(whole);
      continue;
    }
    // A lower-case compound: split where one side is a known abbreviation and the other a word
    // the lexicon knows ("extname" → ext + name, "readdir" → read + dir). A word that is itself
    // the long form of an abbreviation ("buffer", "request") is no compound.
    bool compound = false;
    for (size_t cut = 2; cut + 2 <= part.size() && !compound && abbreviations(part).empty(); ++cut) {
      std::string left = part.substr(0, cut), right = part.substr(cut);
      const auto& left_long = expansion(left);
      const auto& right_long = expansion(right);
      if ((!left_long.empty() && known(right)) || (!right_long.empty() && known(left))) {
        add(left_long.empty() ? left : left_long);
        add(right_long.empty() ? right : right_long);
        compound = true;
      }
    }
    if (compound) {
      split = true;
      continue;
    }
    if (!split) continue;
    add(part);
    // MODULE_NOT_FOUND is also "module not find", for "Cannot find module".
    if (auto& base = base_form(part); !base.empty()) add(base);
  }
  return out;
}

}  // namespace mcpgate::docs
