// The store on its two back-ends, side by side: the calls a request makes (the Entra user
// lookup after a token is verified, an API key lookup, a usage record) and an admin write, on
// SQLite in a file and on a PostgreSQL 15 on loopback started here. The ratio between the two is
// what moving to several servers costs per call; each is one round trip or one fsync'd commit.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "common/clock.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "support/postgres_server.hpp"

namespace {
namespace fs = std::filesystem;
using namespace mcpgate;

constexpr const char* kTenant = "10000000-0000-4000-8000-000000000001";
constexpr const char* kAudience = "20000000-0000-4000-8000-00000000000a";
constexpr int kUsers = 1000;

std::string oid(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "30000000-0000-4000-8000-%012x", n);
  return text;
}

struct Stores {
  fs::path dir = fs::temp_directory_path() / ("mcpgate-bench-store-" + std::to_string(::getpid()));
  std::unique_ptr<testing::PostgresServer> postgres;
  std::unique_ptr<store::Store> sqlite;
  std::unique_ptr<store::Store> pg;
  std::string api_key_sqlite, api_key_pg;
  std::string error;

  Stores() {
    fs::create_directories(dir);
    sqlite = store::open_sqlite_store(dir / "store.db", SystemClock::instance());
    try {
      postgres = std::make_unique<testing::PostgresServer>(dir);
      pg = store::open_postgres_store(postgres->settings(postgres->create_database()), SystemClock::instance());
    } catch (const std::exception& e) {
      error = e.what();
    }
    for (auto* s : {sqlite.get(), pg.get()}) {
      if (!s) continue;
      s->create_teamspace("bench", store::Plan::enterprise, std::nullopt).value();
      s->set_entra_config("bench", {kTenant, kAudience, "mcp.access"}).value();
      std::string csv;
      for (int i = 0; i < kUsers; ++i) csv += "dev" + std::to_string(i) + "@contoso.com," + oid(i) + "\n";
      s->import_entra_users_csv("bench", csv, true).value();
      (s == sqlite.get() ? api_key_sqlite : api_key_pg) = s->create_api_key("bench", "ci").value().secret;
    }
  }
  ~Stores() {
    sqlite.reset();
    pg.reset();
    postgres.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Stores& stores() {
  static Stores s;
  return s;
}

// range(0): 0 SQLite, 1 PostgreSQL.
store::Store* pick(benchmark::State& state) {
  auto& s = stores();
  if (state.range(0) == 0) {
    state.SetLabel("SQLite");
    return s.sqlite.get();
  }
  state.SetLabel("PostgreSQL");
  if (!s.pg) state.SkipWithError(("no PostgreSQL: " + s.error).c_str());
  return s.pg.get();
}

void BM_StoreFindEntraUser(benchmark::State& state) {
  auto* s = pick(state);
  if (!s) return;
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s->find_entra_user("bench", kTenant, oid(i++ % kUsers)).value());
}
BENCHMARK(BM_StoreFindEntraUser)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_StoreFindApiKey(benchmark::State& state) {
  auto* s = pick(state);
  if (!s) return;
  const auto& key = state.range(0) == 0 ? stores().api_key_sqlite : stores().api_key_pg;
  for (auto _ : state) benchmark::DoNotOptimize(s->find_api_key(key).value());
}
BENCHMARK(BM_StoreFindApiKey)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_StoreRecordUsage(benchmark::State& state) {
  auto* s = pick(state);
  if (!s) return;
  auto teamspace = s->find_teamspace("bench").value().id;
  for (auto _ : state)
    s->record_usage({.time = SystemClock::instance().now(), .teamspace_id = teamspace, .tool = "query-docs"}).value();
}
BENCHMARK(BM_StoreRecordUsage)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_StoreAddEntraUser(benchmark::State& state) {
  auto* s = pick(state);
  if (!s) return;
  static int next = kUsers;
  for (auto _ : state) {
    int n = next++;
    s->add_entra_user("bench", "new" + std::to_string(n) + "@contoso.com", oid(n)).value();
  }
}
BENCHMARK(BM_StoreAddEntraUser)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
