#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "docs/error.hpp"
#include "docs/snippet.hpp"

namespace mcpgate::docs {

// The formats the indexer reads, by file name: Markdown (.md .mdx .markdown), reStructuredText
// (.rst), plain text (.txt), Jupyter notebooks (.ipynb) and HTML pages (.html .htm).
bool is_documentation_file(std::string_view file_name);

// Splits one file into snippets. `relative_path` is recorded on each snippet and names the page
// when no heading does. An error names what is wrong with the file (it is then skipped).
boost::system::result<std::vector<Snippet>, DocsError> split_document(std::string_view relative_path,
                                                                      std::string_view content,
                                                                      int max_info_tokens = 400);

}  // namespace mcpgate::docs
