#include "docs/library_ref.hpp"

#include <algorithm>
#include <cctype>

namespace mcpgate::docs {
namespace {

bool valid_part(std::string_view part) {
  return !part.empty() && part != "." && part != ".." && std::all_of(part.begin(), part.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

boost::system::result<LibraryRef, DocsError> parse_library_ref(std::string_view text) {
  const std::string example = " Library IDs look like /owner/project, /owner/project/v1.2.3 or /owner/project@v1.2.3.";
  if (text.empty()) return DocsError("the library ID is empty." + example);
  if (text.size() > 500) return DocsError("the library ID is longer than 500 characters." + example);
  if (text.front() != '/') return DocsError("'" + std::string(text) + "' does not start with '/'." + example);
  std::string_view rest = text.substr(1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return DocsError("'" + std::string(text) + "' has no project part." + example);
  std::string_view owner = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  std::string tag;
  size_t split = rest.find_first_of("/@");
  std::string_view project = rest.substr(0, split);
  if (split != std::string_view::npos) {
    tag = std::string(rest.substr(split + 1));
    if (tag.empty() || tag.find_first_of("/@") != std::string::npos)
      return DocsError("'" + std::string(text) + "' is not a library ID." + example);
  }
  if (!valid_part(owner) || !valid_part(project))
    return DocsError("'" + std::string(text) + "' is not a library ID." + example);
  return LibraryRef("/" + std::string(owner) + "/" + std::string(project), tag);
}

boost::system::result<std::string, DocsError> validate_library_id(std::string_view id) {
  auto ref = parse_library_ref(id);
  if (!ref) return ref.error();
  if (!ref->tag.empty())
    return DocsError("--id '" + std::string(id) + "' carries a version; give the version with --version " + ref->tag);
  return {boost::system::in_place_value, ref->id};
}

}  // namespace mcpgate::docs
