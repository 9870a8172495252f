#include "docs/document.hpp"

#include <algorithm>
#include <cctype>

#include "docs/converters.hpp"
#include "docs/markdown_splitter.hpp"

namespace mcpgate::docs {
namespace {

std::string extension_of(std::string_view name) {
  size_t slash = name.rfind('/');
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// "guides/getting-started.md" → "getting started"
std::string title_from_path(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  std::string title;
  for (char c : name) title += (c == '-' || c == '_') ? ' ' : c;
  return title;
}

bool looks_binary(std::string_view content) { return content.substr(0, 8000).find('\0') != std::string_view::npos; }

}  // namespace

bool is_documentation_file(std::string_view file_name) {
  static const char* kExtensions[] = {"md", "mdx", "markdown", "rst", "txt", "ipynb", "html", "htm"};
  std::string ext = extension_of(file_name);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions), [&](const char* e) { return ext == e; });
}

boost::system::result<std::vector<Snippet>, DocsError> split_document(std::string_view relative_path,
                                                                      std::string_view content, int max_info_tokens) {
  if (looks_binary(content)) return DocsError(std::string("binary content (a NUL byte) in a documentation file"));
  SplitOptions options;
  options.source_path = std::string(relative_path);
  options.max_info_tokens = max_info_tokens;
  options.fallback_title = title_from_path(relative_path);
  std::string ext = extension_of(relative_path);
  if (ext == "md" || ext == "markdown") return split_markdown(content, options);
  if (ext == "mdx") {
    options.mdx = true;
    return split_markdown(content, options);
  }
  if (ext == "rst") return split_markdown(rst_to_markdown(content), options);
  if (ext == "html" || ext == "htm") return split_markdown(html_to_markdown(content), options);
  if (ext == "ipynb") {
    auto markdown = notebook_to_markdown(content);
    if (!markdown) return markdown.error();
    options.page_title = title_from_path(relative_path);
    return split_markdown(*markdown, options);
  }
  if (ext == "txt") {
    options.plain_text = true;
    options.page_title = title_from_path(relative_path);
    return split_markdown(content, options);
  }
  return DocsError(std::string("not a documentation format mcpgate reads (.md .mdx .markdown .rst .txt .ipynb .html)"));
}

}  // namespace mcpgate::docs
