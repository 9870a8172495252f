#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "docs/snippet.hpp"

namespace mcpgate::docs {

struct SplitOptions {
  std::string source_path;     // recorded on every snippet
  std::string page_title;      // heads the breadcrumb before the first heading (front matter wins)
  std::string fallback_title;  // names a page that has no heading at all (default: its path)
  bool mdx = false;            // drop import/export lines and JSX-only lines
  bool plain_text = false;     // no markup at all: every line is prose
  int max_info_tokens = 400;
};

// Splits Markdown (CommonMark headings and fences, GitHub anchors, YAML front matter, MDX) into
// snippets. Deterministic: the same text always gives the same snippets in the same order.
// Malformed input (an unclosed fence or comment, a heading-only file) still gives what can be
// read; nothing here throws on content.
std::vector<Snippet> split_markdown(std::string_view text, const SplitOptions& options);

// A heading's text as readers see it: no closing #'s, inline code marks, link targets, HTML
// tags or emphasis markers. A trailing `{#custom-id}` is removed and returned in custom_anchor.
std::string plain_heading(std::string_view raw, std::string* custom_anchor = nullptr);

}  // namespace mcpgate::docs
