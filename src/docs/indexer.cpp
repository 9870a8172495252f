#include "docs/indexer.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_set>

#include "common/files.hpp"
#include "docs/document.hpp"
#include "docs/library_ref.hpp"
#include "docs/markdown_splitter.hpp"
#include "docs/search.hpp"
#include "docs/source_folder.hpp"

namespace mcpgate::docs {
namespace fs = std::filesystem;

namespace {

std::string duplicate_key(const Snippet& s) {
  if (s.is_code()) {
    std::string code;
    for (auto& b : s.code) code += b.code + "\n";
    return "c:" + normalized_for_comparison(code);
  }
  return "i:" + normalized_for_comparison(s.content);
}

struct ReadmeSummary {
  std::string title;
  std::string description;
};

// A project's README names it in its first heading and says what it is in its first paragraph.
ReadmeSummary summarize_readme(const fs::path& folder) {
  ReadmeSummary summary;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    std::string lower;
    for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "readme.md" && lower != "readme.markdown" && lower != "readme.mdx") continue;
    auto content = read_file(entry.path());
    if (!content) break;
    SplitOptions options;
    options.source_path = name;
    options.fallback_title = "";
    for (auto& s : split_markdown(*content, options)) {
      if (summary.title.empty() && !s.breadcrumb.empty() && s.breadcrumb.front() != name)
        summary.title = s.breadcrumb.front();
      if (summary.description.empty() && !s.is_code()) {
        std::string first = s.content.substr(0, s.content.find("\n\n"));
        for (auto& c : first)
          if (c == '\n') c = ' ';
        if (first.size() > 300) first = first.substr(0, first.rfind(' ', 300)) + " …";
        summary.description = first;
      }
    }
    break;
  }
  return summary;
}

}  // namespace

boost::system::result<IndexReport, DocsError> index_folder(DocIndex& index, const IndexRequest& request,
                                                           const std::function<void(const IndexProgress&)>& progress) {
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  auto id = validate_library_id(request.id);
  if (!id) return id.error();
  std::error_code ec;
  if (!fs::is_directory(request.folder, ec))
    return DocsError(request.folder.string() +
                     " is not a folder: give the root of a checkout, an unpacked package or exported docs");
  auto settings = read_project_settings(request.folder);
  if (!settings) return settings.error();
  auto files = collect_documentation_files(request.folder, *settings);
  if (files.empty())
    return DocsError(
        "no documentation files (.md .mdx .markdown .rst .txt .ipynb .html) under " + request.folder.string() +
        " after exclusions (context7.json folders/excludeFolders/excludeFiles, change logs, licences, archive and "
        "legacy folders)");

  ReadmeSummary readme = summarize_readme(request.folder);
  // What the request leaves out comes from context7.json, then from what the library already
  // has (indexing another version must not reset its description), then from defaults.
  auto existing = index.library(*id);
  LibraryInfo info;
  info.id = *id;
  info.title = request.title.value_or(!settings->project_title.empty() ? settings->project_title
                                      : existing                       ? existing->info.title
                                      : !readme.title.empty()          ? readme.title
                                                                       : id->substr(id->rfind('/') + 1));
  info.description = request.description.value_or(!settings->description.empty() ? settings->description
                                                  : existing                     ? existing->info.description
                                                                                 : readme.description);
  info.trust_score = request.trust_score.value_or(existing ? existing->info.trust_score : 5);
  info.source_url = !request.source_url.empty() ? request.source_url : existing ? existing->info.source_url : "";
  info.aliases = !request.aliases.empty() ? request.aliases
                 : existing               ? existing->info.aliases
                                          : std::vector<std::string>{};
  info.rules = !settings->rules.empty() ? settings->rules
               : existing               ? existing->info.rules
                                        : std::vector<std::string>{};

  IndexReport report;
  report.version_row =
      index.begin_version(info, request.tag, fs::absolute(request.folder, ec).string(), request.source_url);
  try {
    std::unordered_set<std::string> seen;
    std::vector<Snippet> batch;
    IndexProgress step{0, files.size(), 0, 0};
    for (auto& file : files) {
      auto content = read_file(file.absolute);
      if (!content) {
        report.skipped.emplace_back(file.relative, "cannot be read");
      } else {
        auto snippets = split_document(file.relative, *content, request.max_info_tokens);
        if (!snippets) {
          report.skipped.emplace_back(file.relative, snippets.error().message);
        } else {
          ++report.files;
          for (auto& s : *snippets) {
            if (!seen.insert(duplicate_key(s)).second) {
              ++report.duplicates;
              continue;
            }
            report.tokens += s.tokens();
            batch.push_back(std::move(s));
          }
        }
      }
      if (batch.size() >= 500) {
        index.add_snippets(report.version_row, batch);
        report.snippets += batch.size();
        batch.clear();
      }
      ++step.files_done;
      step.snippets = report.snippets + batch.size();
      step.seconds = elapsed();
      if (progress) progress(step);
    }
    index.add_snippets(report.version_row, batch);
    report.snippets += batch.size();
    if (report.snippets == 0) throw std::runtime_error("the documentation files gave no snippets (are they empty?)");
    report.benchmark_score = benchmark_score(index, report.version_row);
    index.finalize_version(report.version_row, report.benchmark_score);
  } catch (const std::exception& e) {
    index.fail_version(report.version_row, e.what());
    return DocsError(std::string("indexing ") + *id + " failed: " + e.what());
  }
  report.seconds = elapsed();
  return report;
}

double benchmark_score(const DocIndex& index, int64_t version_row, size_t max_questions) {
  auto snippets = index.all_snippets(version_row);
  // One question per section, from its heading; sections spread evenly over the documentation.
  std::vector<std::pair<std::string, std::string>> sections;  // (path, heading)
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& s : snippets) {
    if (s.snippet.breadcrumb.size() < 2) continue;  // a page's own title is not a question
    auto key = std::make_pair(s.snippet.source_path, s.snippet.breadcrumb.back());
    if (seen.insert(key).second) sections.push_back(key);
  }
  if (sections.empty()) return 0;
  size_t step = std::max<size_t>(1, sections.size() / max_questions);
  size_t asked = 0, answered = 0;
  for (size_t i = 0; i < sections.size() && asked < max_questions; i += step) {
    ++asked;
    auto ranked = rank_snippets(index, nullptr, version_row, sections[i].second, Ranking::standard, 5);
    for (auto& r : ranked) {
      if (r.stored.snippet.source_path == sections[i].first &&
          r.stored.snippet.breadcrumb.back() == sections[i].second) {
        ++answered;
        break;
      }
    }
  }
  return asked ? std::round(1000.0 * double(answered) / double(asked)) / 10.0 : 0;
}

std::vector<IndexRequest> refresh_requests(const DocIndex& index, const std::string& only) {
  std::vector<IndexRequest> requests;
  for (const auto& l : index.libraries()) {
    if (!only.empty() && l.info.id != only) continue;
    for (const auto& v : l.versions) {
      if (v.state != "finalized" && v.state != "error") continue;
      IndexRequest r;
      r.folder = v.source_folder;
      r.id = l.info.id;
      r.tag = v.tag;
      r.title = l.info.title;
      r.description = l.info.description;
      r.trust_score = l.info.trust_score;
      r.source_url = v.source_url.empty() ? l.info.source_url : v.source_url;
      r.aliases = l.info.aliases;
      requests.push_back(std::move(r));
    }
  }
  return requests;
}

}  // namespace mcpgate::docs
