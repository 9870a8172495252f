#include "docs/markdown_splitter.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "docs/text.hpp"

namespace mcpgate::docs {
namespace {

using text::indent_of;
using text::lines_of;
using text::trim;

bool is_blank(std::string_view s) { return trim(s).empty(); }

// "```ts title=x" → "ts"; "{.python}" → "python"; "js,linenos" → "js".
std::string fence_language(std::string_view info) {
  info = trim(info);
  if (!info.empty() && info.front() == '{') info.remove_prefix(1);
  if (!info.empty() && info.front() == '.') info.remove_prefix(1);
  size_t end = 0;
  while (end < info.size() && !std::isspace(static_cast<unsigned char>(info[end])) && info[end] != ',' &&
         info[end] != '{' && info[end] != '}')
    ++end;
  std::string lang(info.substr(0, end));
  std::transform(lang.begin(), lang.end(), lang.begin(), [](unsigned char c) { return std::tolower(c); });
  return lang;
}

struct Fence {
  char marker = '`';
  size_t length = 0;
  size_t indent = 0;
  std::string language;
  std::string code;
};

std::optional<Fence> fence_opening(std::string_view line) {
  size_t indent = indent_of(line);
  std::string_view rest = line.substr(indent);
  if (rest.size() < 3 || (rest[0] != '`' && rest[0] != '~')) return std::nullopt;
  char marker = rest[0];
  size_t length = 0;
  while (length < rest.size() && rest[length] == marker) ++length;
  if (length < 3) return std::nullopt;
  std::string_view info = rest.substr(length);
  if (marker == '`' && info.find('`') != std::string_view::npos) return std::nullopt;  // inline code, not a fence
  return Fence{marker, length, indent, fence_language(info), {}};
}

bool closes(const Fence& fence, std::string_view line) {
  std::string_view rest = trim(line);
  size_t length = 0;
  while (length < rest.size() && rest[length] == fence.marker) ++length;
  return length >= fence.length && length == rest.size();
}

// "## Title ##" → level 2, "Title"
std::optional<std::pair<int, std::string_view>> atx_heading(std::string_view line) {
  size_t indent = indent_of(line);
  if (indent > 3) return std::nullopt;
  std::string_view rest = line.substr(indent);
  int level = 0;
  while (level < int(rest.size()) && rest[level] == '#') ++level;
  if (level == 0 || level > 6) return std::nullopt;
  if (level < int(rest.size()) && rest[level] != ' ' && rest[level] != '\t') return std::nullopt;
  std::string_view text = trim(rest.substr(level));
  // An optional closing sequence of #'s preceded by a space.
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '#') --end;
  if (end == 0)
    text = {};
  else if (end < text.size() && (text[end - 1] == ' ' || text[end - 1] == '\t'))
    text = trim(text.substr(0, end));
  return std::make_pair(level, text);
}

int setext_level(std::string_view line) {
  if (indent_of(line) > 3) return 0;
  std::string_view t = trim(line);
  if (t.empty()) return 0;
  char c = t[0];
  if (c != '=' && c != '-') return 0;
  if (!std::all_of(t.begin(), t.end(), [c](char x) { return x == c; })) return 0;
  return c == '=' ? 1 : 2;
}

bool is_jsx_only(std::string_view line) {
  std::string_view t = trim(line);
  if (t.size() < 3 || t.front() != '<' || t.back() != '>') return false;
  size_t name = t[1] == '/' ? 2 : 1;
  return name < t.size() && std::isupper(static_cast<unsigned char>(t[name])) && t.find('>') == t.size() - 1;
}

// Lines that carry no prose: a lone HTML tag (layout divs, anchors) or a row of badges.
bool is_markup_only(std::string_view line) {
  std::string_view t = trim(line);
  if (t.starts_with("[![") || t.starts_with("![")) return true;
  if (t.size() >= 3 && t.front() == '<' && t.back() == '>' &&
      (std::isalpha(static_cast<unsigned char>(t[1])) || t[1] == '/')) {
    // Keep lines with text between tags, such as "<b>Note</b> this…": those are prose.
    size_t close = t.find('>');
    size_t open = t.find('<', close);
    bool only_tags =
        open == close + 1 || open == std::string_view::npos || is_blank(t.substr(close + 1, open - close - 1));
    return only_tags;
  }
  return false;
}

struct Block {
  bool is_code = false;
  std::string text;  // prose paragraph, or the code
  std::string language;
};

class Splitter {
 public:
  explicit Splitter(const SplitOptions& options) : options_(options), page_title_(options.page_title) {}

  std::vector<Snippet> run(std::string_view text) {
    std::vector<std::string_view> lines = lines_of(text);
    size_t i = skip_front_matter(lines);
    std::optional<Fence> fence;
    bool in_comment = false;
    for (; i < lines.size(); ++i) {
      std::string_view line = lines[i];
      if (fence) {
        if (closes(*fence, line)) {
          finish_fence(*fence);
          fence.reset();
        } else {
          size_t strip = std::min(fence->indent, indent_of(line));
          fence->code.append(line.substr(strip));
          fence->code += '\n';
        }
        continue;
      }
      if (in_comment) {
        if (line.find("-->") != std::string_view::npos) in_comment = false;
        continue;
      }
      if (options_.plain_text) {
        if (is_blank(line))
          flush_paragraph();
        else
          paragraph_.emplace_back(line);
        continue;
      }
      if (auto opening = fence_opening(line)) {
        flush_paragraph();
        fence = std::move(opening);
        continue;
      }
      std::string_view t = trim(line);
      if (t.starts_with("<!--")) {
        if (t.find("-->") == std::string_view::npos) in_comment = true;
        continue;
      }
      if (options_.mdx && indent_of(line) == 0 && (t.starts_with("import ") || t.starts_with("export "))) continue;
      if (options_.mdx && is_jsx_only(line)) continue;
      if (auto heading = atx_heading(line)) {
        flush_paragraph();
        start_section(heading->first, heading->second);
        continue;
      }
      if (int level = setext_level(line); level && paragraph_.size() == 1) {
        std::string title = paragraph_.front();
        paragraph_.clear();
        start_section(level, title);
        continue;
      }
      if (t.empty() || setext_level(line) == 2) {  // a blank line, or a thematic break
        flush_paragraph();
        continue;
      }
      if (is_markup_only(line)) continue;
      paragraph_.emplace_back(line);
    }
    if (fence) finish_fence(*fence);  // an unclosed fence runs to the end, as CommonMark says
    flush_paragraph();
    emit_section();
    return std::move(out_);
  }

 private:
  // YAML front matter: its title names the page; the rest is metadata, not documentation.
  size_t skip_front_matter(const std::vector<std::string_view>& lines) {
    if (lines.empty() || trim(lines[0]) != "---") return 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string_view t = trim(lines[i]);
      if (t == "---" || t == "...") return i + 1;
      if (t.starts_with("title:")) {
        std::string_view value = trim(t.substr(6));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
          value = value.substr(1, value.size() - 2);
        if (!value.empty()) page_title_ = std::string(value);
      }
    }
    return 0;  // no closing line: not front matter after all
  }

  void finish_fence(Fence& fence) {
    while (!fence.code.empty() && fence.code.back() == '\n') fence.code.pop_back();
    if (!is_blank(fence.code)) section_.push_back(Block{true, std::move(fence.code), fence.language});
  }

  void flush_paragraph() {
    if (paragraph_.empty()) return;
    std::string text;
    for (auto& line : paragraph_) {
      if (!text.empty()) text += '\n';
      text += trim(line);
    }
    paragraph_.clear();
    section_.push_back(Block{false, std::move(text), {}});
  }

  void start_section(int level, std::string_view raw) {
    emit_section();
    std::string custom;
    std::string text = plain_heading(raw, &custom);
    while (!headings_.empty() && headings_.back().first >= level) headings_.pop_back();
    if (text.empty()) return;
    headings_.emplace_back(level, text);
    std::string slug = custom.empty() ? heading_slug(text) : custom;
    int seen = slug_counts_[slug]++;
    anchor_ = seen ? slug + "-" + std::to_string(seen) : slug;
  }

  std::vector<std::string> breadcrumb() const {
    std::vector<std::string> path;
    // The page title leads unless the first heading already says the same (a README's H1).
    if (!page_title_.empty() && (headings_.empty() || !same_text(headings_.front().second, page_title_)))
      path.push_back(page_title_);
    for (auto& [level, text] : headings_) path.push_back(text);
    return path;
  }

  static bool same_text(std::string_view a, std::string_view b) {
    return normalized_for_comparison(a) == normalized_for_comparison(b);
  }

  Snippet base() const {
    Snippet s;
    s.breadcrumb = breadcrumb();
    if (s.breadcrumb.empty())
      s.breadcrumb.push_back(options_.fallback_title.empty() ? options_.source_path : options_.fallback_title);
    s.title = s.breadcrumb.back();
    s.source_path = options_.source_path;
    s.anchor = anchor_;
    return s;
  }

  void emit_section() {
    std::vector<Block> blocks = std::move(section_);
    section_.clear();
    if (blocks.empty()) return;
    std::vector<const Block*> prose;
    for (auto& b : blocks)
      if (!b.is_code) prose.push_back(&b);

    // Info snippet(s): the section's prose, cut at paragraph boundaries to stay within budget.
    std::string chunk;
    auto emit_chunk = [&] {
      if (normalized_for_comparison(chunk).size() >= 40) {
        Snippet s = base();
        s.kind = Snippet::Kind::info;
        s.content = chunk;
        out_.push_back(std::move(s));
      }
      chunk.clear();
    };
    for (auto* p : prose) {
      if (!chunk.empty() && approximate_tokens(chunk) + approximate_tokens(p->text) > options_.max_info_tokens)
        emit_chunk();
      if (!chunk.empty()) chunk += "\n\n";
      chunk += p->text;
    }
    emit_chunk();

    // Code snippets: code blocks joined when only a short connecting line ("or", "Output:")
    // stands between them, introduced by the prose just before them.
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (!blocks[i].is_code) continue;
      Snippet s = base();
      s.kind = Snippet::Kind::code;
      std::string before;
      for (size_t j = i, taken = 0; j-- > 0 && taken < 2;) {
        if (blocks[j].is_code) break;
        if (before.empty())
          before = blocks[j].text;
        else
          before.insert(0, blocks[j].text + "\n\n");
        ++taken;
      }
      size_t last = i;
      s.code.push_back({blocks[i].language, blocks[i].text});
      while (true) {
        size_t next = last + 1;
        if (next < blocks.size() && !blocks[next].is_code && blocks[next].text.size() < 80 &&
            next + 1 < blocks.size() && blocks[next + 1].is_code)
          next += 1;
        if (next < blocks.size() && blocks[next].is_code) {
          s.code.push_back({blocks[next].language, blocks[next].text});
          last = next;
        } else {
          break;
        }
      }
      if (before.empty() && last + 1 < blocks.size() && !blocks[last + 1].is_code) before = blocks[last + 1].text;
      if (before.empty() && !prose.empty()) before = prose.front()->text;
      if (before.size() > 1200) before = cut_at_word(before, 1200);
      s.description = std::move(before);
      out_.push_back(std::move(s));
      i = last;
    }
  }

  static std::string cut_at_word(const std::string& text, size_t limit) {
    size_t cut = text.rfind(' ', limit);
    return text.substr(0, cut == std::string::npos ? limit : cut) + " …";
  }

  const SplitOptions& options_;
  std::string page_title_;
  std::vector<std::pair<int, std::string>> headings_;
  std::map<std::string, int> slug_counts_;
  std::string anchor_;
  std::vector<Block> section_;
  std::vector<std::string> paragraph_;
  std::vector<Snippet> out_;
};

}  // namespace

std::string plain_heading(std::string_view raw, std::string* custom_anchor) {
  std::string_view text = trim(raw);
  size_t closing = text.size();
  while (closing > 0 && text[closing - 1] == '#') --closing;
  if (closing < text.size() && closing > 0 && (text[closing - 1] == ' ' || text[closing - 1] == '\t'))
    text = trim(text.substr(0, closing));
  if (text.size() > 3 && text.back() == '}') {
    size_t open = text.rfind("{#");
    if (open != std::string_view::npos) {
      if (custom_anchor) *custom_anchor = std::string(text.substr(open + 2, text.size() - open - 3));
      text = trim(text.substr(0, open));
    }
  }
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '`') {
      // A code span is literal: `https.createServer([options][, requestListener])` holds
      // brackets that are no link. Its text is kept as written; an unclosed run of backticks
      // is itself literal text (CommonMark), which a heading shows without them.
      size_t run = 1;
      while (i + run < text.size() && text[i + run] == '`') ++run;
      std::string_view ticks = text.substr(i, run);
      size_t close = i + run;
      for (;;) {
        close = text.find(ticks, close);
        if (close == std::string_view::npos) break;
        size_t end = close + run;
        if ((end >= text.size() || text[end] != '`') && text[close - 1] != '`') break;  // exactly `run` ticks
        close = end;
        while (close < text.size() && text[close] == '`') ++close;
      }
      if (close == std::string_view::npos) {
        i += run - 1;
        continue;
      }
      out.append(trim(text.substr(i + run, close - i - run)));
      i = close + run - 1;
      continue;
    }
    if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      ++i;
      continue;
    }
    if (c == '<') {  // an HTML tag: drop it, keep the text around it
      size_t close = text.find('>', i);
      if (close != std::string_view::npos && close > i + 1 &&
          (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '/')) {
        i = close;
        continue;
      }
    }
    // Images (badges in a README's title) carry no words a reader would search for.
    if (c == '!' && i + 1 < text.size() && text[i + 1] == '[') {
      size_t middle = text.find("](", i);
      size_t close = middle == std::string_view::npos ? middle : text.find(')', middle);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    // [text](target) and [text][reference] → text
    if (c == ']' && i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '[')) {
      size_t close = text.find(text[i + 1] == '(' ? ')' : ']', i + 1);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    if (c == '[') {
      size_t close = text.find(']', i);
      if (close != std::string_view::npos && close + 1 < text.size() &&
          (text[close + 1] == '(' || text[close + 1] == '['))
        continue;
    }
    if (c == '\\' && i + 1 < text.size() && std::ispunct(static_cast<unsigned char>(text[i + 1]))) continue;
    out += c;
  }
  std::string collapsed;
  for (char c : trim(out)) {
    if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
    collapsed += c;
  }
  return collapsed;
}

std::vector<Snippet> split_markdown(std::string_view text, const SplitOptions& options) {
  return Splitter(options).run(text);
}

}  // namespace mcpgate::docs
