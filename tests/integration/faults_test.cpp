// Faults a deployment meets every week, injected one at a time into the identity provider, the
// MCP server and the gateway running as separate processes, as an operator would meet them: the
// IdP or the server going away and coming back, a signing-key rotation with and without grace,
// SIGTERM under keep-alive load, kill -9 in the middle of a bulk write, a full disk. Each test
// asserts the outcome users must see and prints what it measured ("[measured] …").
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "binaries.hpp"
#include "common/files.hpp"
#include "gateway_yaml.hpp"
#include "http/client.hpp"
#include "store/sqlite.hpp"
#include "store/sqlite_store.hpp"
#include "support/idp_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mcpgate {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using namespace testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kAdminToken = "fault-suite-admin-token-0123456789abcdef";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string whoami_call(int id) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"tools/call","params":{"name":"whoami","arguments":{}}})";
}

// The three processes of the guide's deployment, each restartable on its own port.
class Deployment : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MCPGATE_TEST_GATEWAY_SECRET", kDemoGatewaySecret, 1);
    ::setenv("MCPGATE_TEST_ADMIN_TOKEN", kAdminToken, 1);
    start_idp();
    provision(server_data());
    start_server();
    start_gateway();
  }

  std::filesystem::path server_data() const { return data_root / "server"; }

  void start_idp() {
    idp = idp_port ? start_server_on(idp_port, {"idp", "--data-dir", (dir / "idp").string()})
                   : start_mcpgate({"idp", "--data-dir", (dir / "idp").string()}, dir.path());
    idp_port = idp.port;
    idp_base = "http://127.0.0.1:" + std::to_string(idp_port);
  }

  // Part 4 done by an admin: the teamspace, its tenant, Alice and Bob provisioned.
  static void provision(const std::filesystem::path& data) {
    auto store = store::open_sqlite_store(data / "mcpgate.db", SystemClock::instance());
    ASSERT_TRUE(store->create_teamspace("contoso", store::Plan::enterprise, std::nullopt));
    ASSERT_TRUE(store->set_entra_config("contoso", {kDemoTenant, kDemoMcpApiApp, "mcp.access"}));
    ASSERT_TRUE(store->add_entra_user("contoso", "alice@contoso.dev", kAliceOid));
    ASSERT_TRUE(store->add_entra_user("contoso", "bob@contoso.dev", kBobOid));
  }

  void start_server() {
    write_file_atomically(dir / "server.yaml", "listen: {host: 127.0.0.1, port: " + std::to_string(server_port) +
                                                   "}\npublic_url: https://mcp.test\ndata_dir: '" +
                                                   server_data().string() + "'\nentra: {authority: '" + idp_base +
                                                   "'}\nmcp: {diagnostic_tools: true, stateless: true}\n"
                                                   "admin: {token: '${env:MCPGATE_TEST_ADMIN_TOKEN}'}\n");
    std::vector<std::string> args{"server", "--config", (dir / "server.yaml").string()};
    server = server_port ? start_server_on(server_port, args) : start_mcpgate(args, dir.path());
    server_port = server.port;
    server_base = "http://127.0.0.1:" + std::to_string(server_port);
  }

  void start_gateway() {
    auto route = demo_route_yaml("/context7", "http://127.0.0.1:" + std::to_string(server_port),
                                 "    rewrite: [{from: /mcp, to: /mcp/oauth}]\n");
    write_file_atomically(dir / "gateway.yaml", demo_gateway_yaml(idp_port, route, (dir / "audit.jsonl").string(),
                                                                  "limits: {shutdown_grace: 10s}\n"));
    gateway = start_mcpgate({"gateway", "--config", (dir / "gateway.yaml").string()}, dir.path());
    gateway_base = "http://127.0.0.1:" + std::to_string(gateway.port);
    ASSERT_TRUE(eventually([&] { return http::fetch({"GET", gateway_base + "/readyz"}).status == 200; }));
  }

  RunningServer start_server_on(int port, std::vector<std::string> args) {
    args.push_back("--port");
    args.push_back(std::to_string(port));
    return testing::start_server(mcpgate_binary(), args, dir.path(), false);
  }

  http::Response call(const std::string& token, int id = 1) {
    http::ClientRequest r{"POST", gateway_base + "/context7/mcp", {}, whoami_call(id)};
    r.headers.add("Authorization", "Bearer " + token);
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Accept", "application/json, text/event-stream");
    return http::fetch(r, {.timeout = 30s});
  }

  // Polls until a call answers 200 naming the user; the time it took.
  double ms_until_served(const std::string& token, const std::string& oid) {
    auto start = Clock::now();
    bool served = eventually(
        [&] {
          auto r = call(token);
          return r.status == 200 && r.body.find(oid) != std::string::npos;
        },
        30s);
    EXPECT_TRUE(served);
    return ms_since(start);
  }

  TempDir dir;
  std::filesystem::path data_root = dir.path();
  RunningServer idp, server, gateway;
  int idp_port = 0, server_port = 0;
  std::string idp_base, server_base, gateway_base;
};

TEST_F(Deployment, IdentityProviderDownCachedUsersWorkNewUsersAreToldThenServed) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  auto bob = gateway_token(idp_base, "bob@contoso.dev");  // signed in before the outage
  ASSERT_EQ(call(alice).status, 200);
  idp.process->stop();
  // Alice's On-Behalf-Of token is cached: she goes on working.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(alice, i).status, 200);
  auto started = Clock::now();
  auto refused = call(bob);
  double refused_ms = ms_since(started);
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_EQ(json::parse(refused.body).at("error").as_string(), "idp_unavailable");
  EXPECT_NE(refused.body.find("identity provider"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("127.0.0.1"), std::string::npos) << "no internal address: " << refused.body;
  auto back = Clock::now();
  start_idp();
  double recovered_ms = ms_since(back);
  double served_ms = ms_until_served(bob, kBobOid);
  std::cout << "[measured] IdP down: a new user is refused in " << refused_ms << " ms; served "
            << recovered_ms + served_ms << " ms after the IdP was restarted (" << served_ms
            << " ms after it listened)\n";
}

TEST_F(Deployment, McpServerDownIsNamedWithoutItsAddressAndRecovers) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice).status, 200);
  server.process->stop();
  auto refused = call(alice);
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_EQ(json::parse(refused.body).at("error").as_string(), "upstream_unavailable");
  EXPECT_NE(refused.body.find("MCP server"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("127.0.0.1"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(std::to_string(server_port)), std::string::npos) << refused.body;
  auto back = Clock::now();
  start_server();
  std::cout << "[measured] MCP server restarted: served again " << ms_since(back) + ms_until_served(alice, kAliceOid)
            << " ms after the restart began\n";
}

TEST_F(Deployment, KeyRotationWithoutGraceLocksNobodyOutWhoSignsInAgain) {
  auto alice_before = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice_before).status, 200) << "Alice's On-Behalf-Of token is now cached";
  auto rotated = Clock::now();
  ChildProcess rotate(mcpgate_binary(), {"idp", "rotate-keys", "--data-dir", (dir / "idp").string(), "--grace", "0s"},
                      dir / "rotate.log");
  ASSERT_EQ(rotate.wait_exit(20s), 0) << rotate.output();
  // A user who signs in after the rotation works at once: the gateway and the server both
  // refetch the keys for the unknown kid.
  auto bob = gateway_token(idp_base, "bob@contoso.dev");
  auto bob_answer = call(bob);
  EXPECT_EQ(bob_answer.status, 200) << bob_answer.body;
  // Alice's old token was signed by a key that is no longer published: refused, not served from
  // the gateway's cache.
  auto stale = call(alice_before);
  EXPECT_EQ(stale.status, 401) << stale.body;
  // She signs in again (what every MCP client does on a 401) and is served on the first request,
  // although the On-Behalf-Of token cached for her was signed by the retired key.
  auto alice_after = gateway_token(idp_base, "alice@contoso.dev");
  auto answer = call(alice_after);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find(kAliceOid), std::string::npos);
  std::cout << "[measured] rotation without grace: Alice served again " << ms_since(rotated)
            << " ms after the rotation, signing in once more\n";
  auto metrics = http::fetch({"GET", gateway_base + "/metrics"}).body;
  EXPECT_NE(metrics.find("mcpgate_obo_cache_evictions_total 1\n"), std::string::npos) << metrics;
}

TEST_F(Deployment, KeyRotationWithGraceChangesNothingForSignedInUsers) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice).status, 200);
  ChildProcess rotate(mcpgate_binary(), {"idp", "rotate-keys", "--data-dir", (dir / "idp").string(), "--grace", "1h"},
                      dir / "rotate.log");
  ASSERT_EQ(rotate.wait_exit(20s), 0) << rotate.output();
  auto bob = gateway_token(idp_base, "bob@contoso.dev");  // signed with the new key
  EXPECT_EQ(call(bob).status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(alice, i).status, 200) << "the old key is still published";
  auto metrics = http::fetch({"GET", gateway_base + "/metrics"}).body;
  EXPECT_NE(metrics.find("mcpgate_obo_cache_evictions_total 0\n"), std::string::npos) << metrics;
}

// One keep-alive client: sends requests one after another on its connection, reconnecting when
// told to close; counts what happened to each request.
struct KeepAliveTally {
  std::atomic<long> answered{0};       // a complete 200 response
  std::atomic<long> told_to_close{0};  // ... that carried Connection: close
  std::atomic<long> not_read{0};       // the connection closed before any byte of an answer
  std::atomic<long> cut{0};            // an answer began and did not finish, or was not 200
};

void keep_alive_client(int port, const std::string& token, KeepAliveTally& tally, std::atomic<bool>& stop) {
  namespace bhttp = beast::http;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  int id = 0;
  while (!stop) {
    if (!stream) {
      stream.emplace(io);
      boost::system::error_code ec;
      stream->socket().connect({asio::ip::make_address("127.0.0.1"), uint16_t(port)}, ec);
      if (ec) return;  // the listener is gone: the gateway is stopping
    }
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/context7/mcp", 11};
    request.set(bhttp::field::host, "gateway.test");
    request.set(bhttp::field::authorization, "Bearer " + token);
    request.set(bhttp::field::content_type, "application/json");
    request.set(bhttp::field::accept, "application/json, text/event-stream");
    request.body() = whoami_call(++id);
    request.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(*stream, request, ec);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    if (!ec) bhttp::read(*stream, buffer, parser, ec);
    if (ec) {
      // Nothing of an answer: the server closed the connection as idle (a client retries those).
      (parser.got_some() ? tally.cut : tally.not_read)++;
      stream.reset();
      continue;
    }
    auto& response = parser.get();
    if (response.result_int() != 200) {
      ++tally.cut;
    } else {
      ++tally.answered;
    }
    if (!response.keep_alive()) {
      ++tally.told_to_close;
      stream.reset();
    }
  }
}

TEST_F(Deployment, SigtermUnderKeepAliveLoadDrainsWithoutCuttingARequest) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice).status, 200);
  KeepAliveTally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back([&] { keep_alive_client(gateway.port, alice, tally, stop); });
  ASSERT_TRUE(eventually([&] { return tally.answered.load() >= 200; }, 30s)) << "load is running";
  auto signalled = Clock::now();
  ASSERT_EQ(::kill(gateway.process->pid(), SIGTERM), 0);
  auto status = gateway.process->wait_exit(20s);
  double exit_ms = ms_since(signalled);
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(status.has_value()) << "the gateway did not exit";
  EXPECT_EQ(*status, 0);
  EXPECT_EQ(tally.cut.load(), 0) << "requests cut mid-answer";
  // Every answer the clients received has its audit line, and nothing else does.
  std::ifstream audit(dir / "audit.jsonl");
  long lines = 0, answered_lines = 0;
  for (std::string line; std::getline(audit, line);) {
    ++lines;
    auto record = json::parse(line).as_object();
    if (record.at("status").as_int64() == 200 && record.at("outcome").as_string() == "forwarded") ++answered_lines;
  }
  EXPECT_EQ(answered_lines, tally.answered.load() + 1) << "one more: the call before the load";
  EXPECT_EQ(lines, answered_lines) << "no request was cut";
  EXPECT_GE(tally.told_to_close.load(), 1) << "requests in flight at SIGTERM were answered with Connection: close";
  std::cout << "[measured] SIGTERM under keep-alive load (4 connections): exit " << exit_ms << " ms after the signal; "
            << tally.answered << " answered, " << tally.told_to_close << " with Connection: close, " << tally.not_read
            << " unread on connections closed as idle, " << tally.cut << " cut\n";
}

TEST_F(Deployment, KillNineDuringABulkImportLeavesAllOrNothingAndAHealthyFile) {
  std::string csv = "email,oid\n";
  constexpr int kRows = 10'000;
  for (int i = 0; i < kRows; ++i) {
    char oid[40];
    std::snprintf(oid, sizeof oid, "40000000-0000-4000-8000-%012x", i);
    csv += "bulk" + std::to_string(i) + "@contoso.dev," + oid + "\n";
  }
  write_file_atomically(dir / "bulk.csv", csv);
  int killed = 0, finished = 0;
  for (int attempt = 0; attempt < 6; ++attempt) {
    auto data = dir / ("bulk-" + std::to_string(attempt));
    provision(data);
    ChildProcess import(
        mcpgate_binary(),
        {"admin", "--data-dir", data.string(), "user", "import", "contoso", (dir / "bulk.csv").string()},
        dir / ("import-" + std::to_string(attempt) + ".log"));
    // Killed once its transaction has written some of the rows (the WAL grows), not at a
    // chosen moment in time.
    auto wal = data / "mcpgate.db-wal";
    auto grown_by = 64 * 1024 * (attempt + 1);
    std::error_code ec;
    auto wal_start = std::filesystem::file_size(wal, ec);
    while (import.running() && (std::filesystem::file_size(wal, ec) < wal_start + grown_by || ec)) {
    }
    if (import.running()) {
      ::kill(import.pid(), SIGKILL);
      ++killed;
    } else {
      ++finished;
    }
    import.wait_exit(10s);
    store::sqlite::Connection db(data / "mcpgate.db");
    store::sqlite::Statement check(db, "PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
    store::sqlite::Statement count(db, "SELECT COUNT(*) FROM entra_users WHERE oid LIKE '40000000-%'");
    ASSERT_TRUE(count.step());
    auto rows = count.integer(0);
    EXPECT_TRUE(rows == 0 || rows == kRows) << rows << " rows after attempt " << attempt;
  }
  std::cout << "[measured] kill -9 during a " << kRows << "-row import: " << killed << " killed mid-write, " << finished
            << " finished first; every file all-or-nothing and integrity_check ok\n";
  EXPECT_GE(killed, 1) << "no import was killed in the middle; the test proved nothing";
}

// A small tmpfs the test mounts as the server's data folder, filled to the last byte.
class FullDisk : public Deployment {
 protected:
  void SetUp() override {
    auto mount_point = dir / "small-disk";
    std::filesystem::create_directories(mount_point);
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=8m,mode=0700") != 0)
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); the full-disk test needs root or CAP_SYS_ADMIN";
    mounted = mount_point;
    data_root = mount_point;
    Deployment::SetUp();
  }
  void TearDown() override {
    server = {};
    gateway = {};
    if (!mounted.empty()) ::umount2(mounted.c_str(), MNT_DETACH);
  }

  // Writes until the file system refuses a single byte more.
  void fill() {
    std::FILE* f = std::fopen((mounted / "filler").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::setvbuf(f, nullptr, _IONBF, 0);
    std::vector<char> block(64 * 1024, 'x');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    while (std::fwrite("x", 1, 1, f) == 1) {
    }
    std::fclose(f);
  }

  std::filesystem::path mounted;
};

TEST_F(FullDisk, ToolCallsGoOnReadinessSaysDegradedWritesAreRefusedWithoutPaths) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice, 1).status, 200);
  fill();
  auto answer = call(alice, 2);
  EXPECT_EQ(answer.status, 200) << "answers need no write: " << answer.body;
  auto ready = http::fetch({"GET", server_base + "/readyz"});
  EXPECT_NE(ready.body.find("degraded"), std::string::npos) << ready.body;
  auto metrics = http::fetch({"GET", server_base + "/metrics"}).body;
  EXPECT_NE(metrics.find("mcpgate_server_usage_records_total{result=\"lost\"} 1\n"), std::string::npos) << metrics;
  http::ClientRequest create{"POST", server_base + "/admin/v1/teamspaces", {}, R"({"name":"more","plan":"free"})"};
  create.headers.add("Authorization", std::string("Bearer ") + kAdminToken);
  create.headers.add("Content-Type", "application/json");
  auto refused = http::fetch(create);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("full"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(mounted.string()), std::string::npos) << "no file path: " << refused.body;
  EXPECT_EQ(refused.body.find("INSERT"), std::string::npos) << "no SQL: " << refused.body;
  // Space comes back: writes and records resume without a restart.
  std::filesystem::remove(mounted / "filler");
  EXPECT_EQ(call(alice, 3).status, 200);
  EXPECT_NE(http::fetch({"GET", server_base + "/readyz"}).body.find("\"ready\""), std::string::npos);
  EXPECT_EQ(http::fetch(create).status, 201);
  auto store = store::open_sqlite_store(mounted / "server" / "mcpgate.db", SystemClock::instance());
  auto usage = store->usage("contoso", 10);
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->size(), 2u) << "calls 1 and 3 recorded; call 2 counted as lost";
}

// After every kind of request and refusal above, no log holds a secret or a token.
TEST_F(Deployment, NoLogHoldsASecretOrAToken) {
  auto alice = gateway_token(idp_base, "alice@contoso.dev");
  ASSERT_EQ(call(alice).status, 200);
  auto forged = alice.substr(0, alice.rfind('.') + 1) + "AAAA";
  EXPECT_EQ(call(forged).status, 401);
  http::ClientRequest key_request{
      "POST", server_base + "/admin/v1/teamspaces/contoso/api-keys", {}, R"({"name":"ci"})"};
  key_request.headers.add("Authorization", std::string("Bearer ") + kAdminToken);
  key_request.headers.add("Content-Type", "application/json");
  auto key = http::fetch(key_request);
  ASSERT_EQ(key.status, 201) << key.body;
  std::string api_key(json::parse(key.body).at("secret").as_string());
  http::ClientRequest wrong_admin{"GET", server_base + "/admin/v1/teamspaces", {}, {}};
  wrong_admin.headers.add("Authorization", "Bearer not-the-admin-token");
  EXPECT_EQ(http::fetch(wrong_admin).status, 401);
  server.process->stop();
  EXPECT_EQ(call(alice).status, 502);
  gateway.process->stop();
  idp.process->stop();
  std::vector<std::string> secrets{kDemoGatewaySecret, kAdminToken, api_key, alice, forged};
  int scanned = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    auto name = entry.path().filename().string();
    if (!entry.is_regular_file() || !(name.ends_with(".log") || name.ends_with(".jsonl"))) continue;
    ++scanned;
    auto text = read_file(entry.path()).value_or("");
    for (auto& secret : secrets) EXPECT_EQ(text.find(secret), std::string::npos) << entry.path() << " holds a secret";
    EXPECT_EQ(text.find("eyJ"), std::string::npos) << entry.path() << " holds something like a JWT";
  }
  EXPECT_GE(scanned, 4) << "the IdP's, server's and gateway's output and the audit log";
}

}  // namespace
}  // namespace mcpgate
