#pragma once
// How text is cut into words for the index: identifier parts, the words kept for typo
// correction, a section's first sentence.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgate::docs {

// Calls `f` with each run of letters, digits and '_' in `text`.
void for_each_word(std::string_view text, const std::function<void(std::string_view)>& f);

// The words of text in lower case, identifiers split at their camelCase and snake_case
// boundaries: "fs.readFileSync" → fs read file sync, "ERR_X" → err x, "HTTPServer" → http server.
std::vector<std::string> word_parts(std::string_view text);

// The first sentence of prose, skipping list lines (Node's "* `path` {string}" parameter lists)
// and headings; at most 40 words.
std::string first_sentence(std::string_view text);

// The words the index keeps for typo correction: lower-case runs of letters and digits (and '_'),
// 3–40 characters, camelCase parts included.
std::vector<std::string> index_words(std::string_view text);

// Text as it goes into the full-text index: the original plus camelCase and snake_case parts
// ("readFileSync" → "readFileSync read File Sync"), so questions in plain words find identifiers.
std::string searchable_text(std::string_view text);

}  // namespace mcpgate::docs
