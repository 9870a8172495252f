#include "docs/formats.hpp"

#include <cmath>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

namespace mcpgate::docs {
namespace json = boost::json;

std::string snippet_link(const LibraryInfo& library, const Snippet& snippet) {
  std::string link = library.source_url.empty() ? snippet.source_path : library.source_url + "/" + snippet.source_path;
  if (!snippet.anchor.empty()) link += "#" + snippet.anchor;
  return link;
}

std::string source_reputation(double trust_score) {
  if (trust_score < 0) return "Unknown";
  if (trust_score >= 7) return "High";
  if (trust_score >= 4) return "Medium";
  return "Low";
}

std::string iso8601_millis(SysTime time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = std::time_t(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", utc, int(ms % 1000));
}

namespace {

json::value number(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) return json::value(int64_t(value));
  return json::value(value);
}

std::string format_score(double value) {
  if (value == std::floor(value)) return fmt::format("{}", int64_t(value));
  return fmt::format("{:.1f}", value);
}

}  // namespace

json::object library_json(const LibraryRecord& library) {
  json::object o;
  o["id"] = library.info.id;
  o["title"] = library.info.title;
  o["description"] = library.info.description;
  auto* v = library.default_version();
  const VersionInfo* newest = library.versions.empty() ? nullptr : &library.versions.front();
  const VersionInfo* shown = v ? v : newest;
  if (shown) {
    o["lastUpdateDate"] = iso8601_millis(shown->updated);
    o["state"] = shown->state;
    o["totalTokens"] = shown->tokens;
    o["totalSnippets"] = shown->snippets;
    o["benchmarkScore"] = number(shown->benchmark_score);
  }
  if (library.info.trust_score >= 0) o["trustScore"] = number(library.info.trust_score);
  json::array versions;
  for (auto& tag : library.tags()) versions.emplace_back(tag);
  o["versions"] = std::move(versions);
  o["source"] = library.info.source_url.empty() ? "Local (Private)" : library.info.source_url;
  return o;
}

std::string resolve_text(const std::vector<const LibraryRecord*>& libraries, bool filter_applied) {
  std::string out;
  if (filter_applied)
    out +=
        "**Note:** Your results only include libraries matching your teamspace's library filters; libraries "
        "restricted to groups you are not in are not shown.\n\n";
  if (libraries.empty()) return out + "No libraries found matching the provided name.";
  out += "Available Libraries:\n\n";
  bool first = true;
  for (auto* library : libraries) {
    if (!first) out += "\n----------\n";
    first = false;
    out += "- Title: " + library->info.title + "\n";
    out += "- Context7-compatible library ID: " + library->info.id + "\n";
    out += "- Description: " + library->info.description + "\n";
    auto* v = library->default_version();
    if (v && v->snippets >= 0) out += "- Code Snippets: " + std::to_string(v->snippets) + "\n";
    out += "- Source Reputation: " + source_reputation(library->info.trust_score) + "\n";
    if (v && v->benchmark_score > 0) out += "- Benchmark Score: " + format_score(v->benchmark_score) + "\n";
    auto tags = library->tags();
    if (!tags.empty()) {
      std::string joined;
      for (auto& t : tags) joined += (joined.empty() ? "" : ", ") + t;
      out += "- Versions: " + joined + "\n";
    }
    out +=
        "- Source: " + (library->info.source_url.empty() ? std::string("Local (Private)") : library->info.source_url);
  }
  return out;
}

std::string context_text(const LibraryInfo& library, const std::vector<ScoredSnippet>& snippets) {
  std::string out;
  for (auto& scored : snippets) {
    auto& s = scored.stored.snippet;
    if (!out.empty()) out += "\n\n--------------------------------\n\n";
    std::string link = snippet_link(library, s);
    if (s.is_code()) {
      out += "### " + s.title + "\n\nSource: " + link + "\n\n";
      if (!s.description.empty()) out += s.description + "\n\n";
      bool first = true;
      for (auto& block : s.code) {
        if (!first) out += "\n\n";
        first = false;
        out += "```" + block.language + "\n" + block.code + "\n```";
      }
    } else {
      out += "### " + s.breadcrumb_text() + "\n\nSource: " + link + "\n\n" + s.content;
    }
  }
  return out;
}

json::object context_json(const LibraryInfo& library, const std::vector<ScoredSnippet>& snippets) {
  json::array code, info;
  for (auto& scored : snippets) {
    auto& s = scored.stored.snippet;
    if (s.is_code()) {
      json::array list;
      std::string code_text;
      for (auto& block : s.code) {
        list.push_back(json::object{{"language", block.language}, {"code", block.code}});
        code_text += block.code;
      }
      code.push_back(json::object{{"codeTitle", s.title},
                                  {"codeDescription", s.description},
                                  {"codeLanguage", s.code.empty() ? "" : s.code.front().language},
                                  {"codeTokens", approximate_tokens(code_text)},
                                  {"codeId", snippet_link(library, s)},
                                  {"pageTitle", s.breadcrumb.empty() ? s.title : s.breadcrumb.front()},
                                  {"codeList", std::move(list)}});
    } else {
      info.push_back(json::object{{"pageId", snippet_link(library, s)},
                                  {"breadcrumb", s.breadcrumb_text()},
                                  {"content", s.content},
                                  {"contentTokens", approximate_tokens(s.content)}});
    }
  }
  json::array own;
  for (auto& r : library.rules) own.emplace_back(r);
  return json::object{
      {"codeSnippets", std::move(code)},
      {"infoSnippets", std::move(info)},
      {"rules",
       json::object{{"global", json::array{}}, {"libraryOwn", std::move(own)}, {"libraryTeam", json::array{}}}}};
}

}  // namespace mcpgate::docs
