#pragma once
#include <string_view>

namespace mcpgate::docs {

// Natural order of version tags: digit runs compare as numbers (v1.10.0 after v1.9.2).
bool version_less(std::string_view a, std::string_view b);

}  // namespace mcpgate::docs
