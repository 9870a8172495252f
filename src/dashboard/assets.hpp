#pragma once
#include <span>
#include <string_view>

namespace mcpgate::dashboard {

// A file of the built front end (web/dashboard), compiled into the binary so the server needs
// no files beside it and no network at run time.
struct Asset {
  std::string_view path;  // below /dashboard/: "index.html", "assets/index-1a2b3c.js"
  std::string_view content_type;
  std::string_view body;
};

std::span<const Asset> built_assets();

}  // namespace mcpgate::dashboard
