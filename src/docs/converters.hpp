#pragma once
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "docs/error.hpp"

// Other documentation formats, rewritten as Markdown so that one splitter serves them all.
namespace mcpgate::docs {

// reStructuredText: section titles (underlined, optionally overlined; levels in order of first
// appearance), code-block/code/sourcecode directives and `::` literal blocks become fences;
// admonitions keep their text; other directives (toctree, image, …) are dropped.
std::string rst_to_markdown(std::string_view rst);

// A Jupyter notebook (nbformat 4): Markdown cells as they are, code cells fenced in the
// kernel's language. Invalid JSON or a missing "cells" array is an error naming what is wrong.
boost::system::result<std::string, DocsError> notebook_to_markdown(std::string_view json_text);

// An HTML page: h1–h6 become headings, pre/code fences, p/li/tr paragraphs; script, style,
// nav, header and footer are dropped; common entities decoded.
std::string html_to_markdown(std::string_view html);

}  // namespace mcpgate::docs
