#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::docs {

struct CodeBlock {
  std::string language;  // the fence's info word; empty when the document gave none
  std::string code;
};

// The unit of retrieval. A code snippet is one or more code blocks with the nearest heading as
// its title and the prose around it as its description; an info snippet is prose under a
// heading path. Both keep where they came from, so every answer can cite its source.
struct Snippet {
  enum class Kind { code, info };
  Kind kind = Kind::info;
  std::string title;
  std::vector<std::string> breadcrumb;  // headings from the page title down to the nearest one
  std::string description;              // code snippets: the prose that introduces the code
  std::vector<CodeBlock> code;          // code snippets only
  std::string content;                  // info snippets only
  std::string source_path;              // relative to the library's folder, '/'-separated
  std::string anchor;                   // slug of the nearest heading, unique within the file

  bool is_code() const { return kind == Kind::code; }
  std::string breadcrumb_text() const;  // "A > B > C"
  int tokens() const;
};

// Tokens are approximated as one per four bytes of UTF-8, rounded up: close to what BPE
// tokenisers give for English prose and code, cheap, and the same on every machine.
int approximate_tokens(std::string_view text);

// GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.
std::string heading_slug(std::string_view heading);

// A heading that is a call signature, split: "fs.readFile(path[, options], callback)" names
// `fs.readFile` and takes "path options callback". Parameter names say little about what a
// section is about (every other function takes `options`), so they are searched apart and weigh
// less. Anything else comes back whole, with no parameters.
struct SignatureParts {
  std::string name;
  std::string parameters;  // the words between the parentheses, space-separated
};
SignatureParts split_signature(std::string_view heading);

// Text reduced for duplicate detection: lower case, letters and digits only, single spaces.
std::string normalized_for_comparison(std::string_view text);

}  // namespace mcpgate::docs
