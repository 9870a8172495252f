#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mcpgate {

std::optional<std::string> read_file(const std::filesystem::path& path);

// Writes to a temporary sibling, fsyncs and renames, so readers see the old or the new
// content and never half of it, even if the process dies mid-write.
// Throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write);

// Creates the directory (and parents) with owner-only permissions if it does not exist.
void ensure_private_directory(const std::filesystem::path& dir);

}  // namespace mcpgate
