#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "common/clock.hpp"
#include "docs/snippet.hpp"

namespace mcpgate::docs {

struct LibraryInfo {
  std::string id;  // "/owner/project"
  std::string title;
  std::string description;
  double trust_score = -1;  // 0–10; negative: unknown
  std::string source_url;   // base of snippet links; empty: links are the relative paths
  std::vector<std::string> aliases;
  std::vector<std::string> rules;
};

struct VersionInfo {
  int64_t row = 0;
  std::string tag;    // empty: the unversioned ("latest") documentation
  std::string state;  // initial, processing, finalized, error
  int64_t snippets = 0;
  int64_t tokens = 0;
  double benchmark_score = 0;
  SysTime updated{};
  std::string error;
  std::string source_folder;
  std::string source_url;      // links for this version's snippets; empty: the library's
  int64_t snippet_format = 0;  // the splitter revision that cut its snippets (kSnippetFormat)
  // Cut by an older splitter: its snippets lack fixes made since; `mcpgate index refresh` redoes it.
  bool outdated() const;
};

// The revision of how sources are cut into snippets. Raised when a fix changes the snippets of
// existing sources (2: code spans in headings are kept whole), so older versions are redone.
inline constexpr int64_t kSnippetFormat = 2;

struct LibraryRecord {
  LibraryInfo info;
  std::vector<VersionInfo> versions;  // newest first

  // What /owner/project without a tag serves: the untagged version if there is one, else the
  // highest tag in natural order (v1.10.0 above v1.9.2).
  const VersionInfo* default_version() const;
  const VersionInfo* version(std::string_view tag) const;  // finalized only; "latest" = default
  std::vector<std::string> tags() const;                   // finalized, non-empty, highest first
  int64_t snippet_count() const;                           // of the default version
};

struct StoredSnippet {
  int64_t row = 0;
  Snippet snippet;
};

// The documentation index: one SQLite file (WAL) holding libraries, their versions, snippets, a
// full-text index (FTS5, Porter stemming) and each teamspace's group restrictions. A version is
// written under state `processing` and becomes visible in one transaction that also retires the
// version it replaces, so readers see the old or the new documentation, never a mixture, and a
// failed run leaves the old one serving. Methods are safe to call from many threads.
class DocIndex {
 public:
  DocIndex(const std::filesystem::path& file, const Clock& clock);
  ~DocIndex();
  DocIndex(const DocIndex&) = delete;
  DocIndex& operator=(const DocIndex&) = delete;

  // Writing a version. begin_version creates or updates the library's description;
  // `source_url` is where this version's files are published (a tag's blob URL), if known.
  int64_t begin_version(const LibraryInfo& info, const std::string& tag, const std::string& source_folder,
                        const std::string& source_url = "");
  void add_snippets(int64_t version_row, const std::vector<Snippet>& snippets);
  // Words of the snippets for typo correction: counted per version, merged on finalisation.
  void finalize_version(int64_t version_row, double benchmark_score);
  void fail_version(int64_t version_row, const std::string& error);
  void set_benchmark_score(int64_t version_row, double score);

  std::vector<LibraryRecord> libraries() const;
  std::optional<LibraryRecord> library(const std::string& id) const;
  // Removes a library, or one tagged version of it. False when there was nothing to remove.
  bool remove(const std::string& id, const std::optional<std::string>& tag);

  // Full-text candidates within one version: rows ranked by weighted BM25 (lower is better).
  // `match` is an FTS5 expression.
  std::vector<std::pair<int64_t, double>> match(int64_t version_row, const std::string& match, int limit) const;
  std::vector<StoredSnippet> snippets(const std::vector<int64_t>& rows) const;
  std::vector<StoredSnippet> all_snippets(int64_t version_row) const;
  // Raw words of all finalized documentation with the number of snippets using each.
  // Words and the number of snippets using them: of one version, or of every finalized one (0).
  std::vector<std::pair<std::string, int64_t>> vocabulary(int64_t version_row = 0) const;
  // Changes whenever the set of finalized versions does (caches key on it).
  int64_t generation() const;

  // Group restrictions: a library restricted in a teamspace is visible there only to members
  // of at least one of its groups.
  void restrict_library(int64_t teamspace_id, const std::string& library_id, const std::string& group);
  bool unrestrict_library(int64_t teamspace_id, const std::string& library_id, const std::string& group);
  // library id → the groups that may see it, for one teamspace.
  std::vector<std::pair<std::string, std::vector<std::string>>> restrictions(int64_t teamspace_id) const;
  // Whether `library_id` is restricted to `group` in that teamspace.
  bool restricted_to(int64_t teamspace_id, const std::string& library_id, const std::string& group) const;

  const std::filesystem::path& file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate::docs
