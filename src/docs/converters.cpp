#include "docs/converters.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include <boost/json.hpp>

#include "docs/text.hpp"

namespace mcpgate::docs {
namespace json = boost::json;
namespace {

using text::indent_of;
using text::lines_of;
using text::trim;

bool is_adornment(std::string_view line) {
  std::string_view t = trim(line);
  if (t.size() < 2 || indent_of(line) != 0) return false;
  const std::string_view marks = "=-~^\"'`#*+:._";
  return marks.find(t[0]) != std::string_view::npos &&
         std::all_of(t.begin(), t.end(), [&](char c) { return c == t[0]; });
}

// ``literal`` → `literal`; :role:`text` → `text`; `link <url>`_ → link.
std::string rst_inline(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "``") == 0) {
      out += '`';
      ++i;
      continue;
    }
    if (text[i] == ':' && i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      size_t close = text.find(":`", i + 1);
      if (close != std::string_view::npos && std::all_of(text.begin() + i + 1, text.begin() + close, [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-';
          })) {
        i = close;  // the role name goes; the backquoted text stays
        continue;
      }
    }
    if (text[i] == '`' && i + 1 < text.size() && text[i + 1] == '_') {
      ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace

std::string rst_to_markdown(std::string_view rst) {
  auto lines = lines_of(rst);
  std::map<std::string, int> levels;  // adornment style → heading level, in order of appearance
  std::string out;
  auto heading = [&](std::string style, std::string_view title) {
    auto [it, inserted] = levels.emplace(style, int(levels.size()) + 1);
    out += std::string(size_t(std::min(it->second, 6)), '#') + " " + rst_inline(trim(title)) + "\n\n";
  };
  auto literal_block = [&](size_t& i, const std::string& language) {
    // The block is everything indented more than the directive, blank lines included.
    size_t start = i + 1;
    while (start < lines.size() && trim(lines[start]).empty()) ++start;
    if (start >= lines.size() || indent_of(lines[start]) == 0) return;
    size_t base = indent_of(lines[start]);
    size_t end = start;
    std::string code;
    // Directive options such as ":linenos:" (and the blank line after them) are not code.
    bool in_options = !language.empty();
    for (size_t j = start; j < lines.size(); ++j) {
      if (!trim(lines[j]).empty() && indent_of(lines[j]) < base) break;
      end = j;
      if (in_options && (trim(lines[j]).starts_with(":") || trim(lines[j]).empty())) continue;
      in_options = false;
      code += std::string(lines[j].substr(std::min(base, lines[j].size()))) + "\n";
    }
    while (!code.empty() && (code.back() == '\n' || code.back() == ' ')) code.pop_back();
    out += "```" + language + "\n" + code + "\n```\n\n";
    i = end;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    std::string_view t = trim(line);
    // Overlined title: adornment, title, adornment.
    if (is_adornment(line) && i + 2 < lines.size() && !trim(lines[i + 1]).empty() && is_adornment(lines[i + 2]) &&
        trim(lines[i + 2])[0] == t[0]) {
      heading(std::string("over") + t[0], lines[i + 1]);
      i += 2;
      continue;
    }
    // Underlined title: text, then an adornment at least as long.
    if (!t.empty() && indent_of(line) == 0 && i + 1 < lines.size() && is_adornment(lines[i + 1]) &&
        trim(lines[i + 1]).size() >= t.size() && !is_adornment(line)) {
      heading(std::string("under") + trim(lines[i + 1])[0], t);
      ++i;
      continue;
    }
    if (t.starts_with(".. ")) {
      std::string_view directive = t.substr(3);
      size_t colons = directive.find("::");
      if (colons == std::string_view::npos) {  // a comment or a link target: skip its block
        while (i + 1 < lines.size() && (trim(lines[i + 1]).empty() || indent_of(lines[i + 1]) > indent_of(line))) {
          if (trim(lines[i + 1]).empty() && (i + 2 >= lines.size() || indent_of(lines[i + 2]) <= indent_of(line)))
            break;
          ++i;
        }
        continue;
      }
      std::string name(trim(directive.substr(0, colons)));
      std::string argument(trim(directive.substr(colons + 2)));
      if (name == "code-block" || name == "code" || name == "sourcecode" || name == "highlight") {
        if (name != "highlight") literal_block(i, argument);
        continue;
      }
      static const std::vector<std::string> admonitions{"note",    "warning",    "tip",          "important",
                                                        "caution", "danger",     "attention",    "hint",
                                                        "seealso", "deprecated", "versionadded", "versionchanged"};
      if (std::find(admonitions.begin(), admonitions.end(), name) != admonitions.end()) {
        std::string label = name;
        label[0] = char(std::toupper(static_cast<unsigned char>(label[0])));
        out += "**" + label + ":** " + rst_inline(argument) + "\n";
        continue;  // its indented body follows as ordinary prose
      }
      // Other directives (toctree, image, figure, include …) carry no prose of their own.
      while (i + 1 < lines.size() && (trim(lines[i + 1]).empty() || indent_of(lines[i + 1]) > indent_of(line))) {
        if (trim(lines[i + 1]).empty() && (i + 2 >= lines.size() || indent_of(lines[i + 2]) <= indent_of(line))) break;
        ++i;
      }
      continue;
    }
    if (t.ends_with("::") && !t.starts_with("..")) {
      std::string prose(t.substr(0, t.size() - (t == "::" ? 2 : 1)));  // "Example::" reads "Example:"
      if (!trim(prose).empty()) out += rst_inline(prose) + "\n\n";
      literal_block(i, "");
      continue;
    }
    out += rst_inline(line) + "\n";
  }
  return out;
}

boost::system::result<std::string, DocsError> notebook_to_markdown(std::string_view json_text) {
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec) return DocsError("not valid JSON: " + ec.message());
  if (!doc.is_object()) return DocsError("a notebook is a JSON object; this file holds something else");
  auto* cells = doc.as_object().if_contains("cells");
  if (!cells || !cells->is_array()) return DocsError("no \"cells\" array: not an nbformat 4 notebook");
  std::string language = "python";
  if (auto* meta = doc.as_object().if_contains("metadata"); meta && meta->is_object()) {
    auto* kernel = meta->as_object().if_contains("kernelspec");
    auto* info = meta->as_object().if_contains("language_info");
    if (info && info->is_object() && info->as_object().contains("name") && info->as_object().at("name").is_string())
      language = std::string(info->as_object().at("name").as_string());
    else if (kernel && kernel->is_object() && kernel->as_object().contains("language") &&
             kernel->as_object().at("language").is_string())
      language = std::string(kernel->as_object().at("language").as_string());
  }
  auto source_text = [](const json::value* source) {
    std::string text;
    if (!source) return text;
    if (source->is_string()) return std::string(source->as_string());
    if (source->is_array())
      for (auto& part : source->as_array())
        if (part.is_string()) text += std::string(part.as_string());
    return text;
  };
  std::string out;
  for (auto& cell : cells->as_array()) {
    if (!cell.is_object()) continue;
    auto* type = cell.as_object().if_contains("cell_type");
    if (!type || !type->is_string()) continue;
    std::string text = source_text(cell.as_object().if_contains("source"));
    if (trim(text).empty()) continue;
    if (type->as_string() == "markdown")
      out += text + "\n\n";
    else if (type->as_string() == "code")
      out.append("```").append(language).append("\n").append(text).append("\n```\n\n");
  }
  return boost::system::result<std::string, DocsError>(boost::system::in_place_value, std::move(out));
}

namespace {

std::string decode_entities(std::string_view text) {
  static const std::map<std::string, std::string, std::less<>> named{
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}, {"#39", "'"}};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      size_t semi = text.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 8) {
        std::string_view name = text.substr(i + 1, semi - i - 1);
        if (auto it = named.find(name); it != named.end()) {
          out += it->second;
          i = semi;
          continue;
        }
        if (name.size() > 1 && name[0] == '#') {
          unsigned long code = name[1] == 'x' ? std::strtoul(std::string(name.substr(2)).c_str(), nullptr, 16)
                                              : std::strtoul(std::string(name.substr(1)).c_str(), nullptr, 10);
          if (code > 0 && code < 0x80) {
            out += char(code);
            i = semi;
            continue;
          }
        }
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

std::string html_to_markdown(std::string_view html) {
  std::string out;
  std::string skip_until;  // inside script/style/nav/…: the closing tag we wait for
  bool in_pre = false;
  std::string pre_language;
  for (size_t i = 0; i < html.size();) {
    if (html[i] != '<') {
      size_t next = html.find('<', i);
      std::string_view text = html.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
      if (skip_until.empty()) {
        if (in_pre) {
          out += decode_entities(text);
        } else {
          std::string collapsed;
          bool space = false;
          for (char c : text) {
            if (std::isspace(static_cast<unsigned char>(c)))
              space = true;
            else {
              // One space between words, also across the previous piece of output.
              if (space && (!collapsed.empty() || (!out.empty() && out.back() != '\n' && out.back() != ' ')))
                collapsed += ' ';
              space = false;
              collapsed += c;
            }
          }
          if (space && !collapsed.empty()) collapsed += ' ';
          out += decode_entities(collapsed);
        }
      }
      i = next == std::string_view::npos ? html.size() : next;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;
    std::string_view tag = html.substr(i + 1, close - i - 1);
    i = close + 1;
    bool closing = !tag.empty() && tag[0] == '/';
    if (closing) tag.remove_prefix(1);
    size_t name_end = 0;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) ++name_end;
    std::string name(tag.substr(0, name_end));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!skip_until.empty()) {
      if (closing && name == skip_until) skip_until.clear();
      continue;
    }
    if (!closing && (name == "script" || name == "style" || name == "nav" || name == "header" || name == "footer" ||
                     name == "noscript" || name == "svg")) {
      skip_until = name;
      continue;
    }
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      out += closing ? "\n\n" : "\n\n" + std::string(size_t(name[1] - '0'), '#') + " ";
      continue;
    }
    if (name == "pre") {
      in_pre = !closing;
      if (!closing) {
        pre_language.clear();
        out += "\n\n```\n";
      } else {
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += "```\n\n";
      }
      continue;
    }
    if (name == "code" && !in_pre) {
      out += '`';
      continue;
    }
    if (name == "p" || name == "div" || name == "section" || name == "article" || name == "ul" || name == "ol" ||
        name == "table" || name == "tr" || name == "blockquote") {
      out += "\n\n";
      continue;
    }
    if (name == "li" && !closing) {
      out += "\n- ";
      continue;
    }
    if (name == "br") out += '\n';
  }
  return out;
}

}  // namespace mcpgate::docs
