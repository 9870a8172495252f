#include "proxy/audit.hpp"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mcpgate::proxy {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// Alice calling a Context7 tool. 1'800'000'000 s is 2027-01-15T08:00:00Z.
AuditRecord alice_call() {
  AuditRecord r;
  r.time = SysTime(1'800'000'000s + 123ms);
  r.tid = "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
  r.oid = "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01";
  r.preferred_username = "alice@contoso.dev";
  r.route = "/context7";
  r.http_method = "POST";
  r.rpc_method = "tools/call";
  r.tool = "resolve-library-id";
  r.status = 200;
  r.latency_ms = 12.34567;
  r.request_bytes = 143;
  r.response_bytes = 2048;
  r.outcome = "forwarded";
  return r;
}

// A time zone far from UTC for the length of a test, so local time cannot pass for UTC.
class FarFromUtc {
 public:
  FarFromUtc() {
    if (auto* tz = std::getenv("TZ")) saved_ = tz;
    ::setenv("TZ", "XST-9:30", 1);
    ::tzset();
  }
  ~FarFromUtc() {
    if (saved_)
      ::setenv("TZ", saved_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> saved_;
};

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(AuditRecord, SerialisesEveryField) {
  auto o = json::parse(AuditLog::to_json(alice_call())).as_object();
  EXPECT_EQ(o.size(), 13u);
  EXPECT_EQ(o["tid"], "4a2c8f6e-1b3d-4e5f-9a7b-0c1d2e3f4a5b");
  EXPECT_EQ(o["oid"], "9f3b2a1c-7d4e-4f60-8a1b-2c3d4e5f6a01");
  EXPECT_EQ(o["preferred_username"], "alice@contoso.dev");
  EXPECT_EQ(o["route"], "/context7");
  EXPECT_EQ(o["http_method"], "POST");
  EXPECT_EQ(o["rpc_method"], "tools/call");
  EXPECT_EQ(o["tool"], "resolve-library-id");
  EXPECT_EQ(o["status"], 200);
  EXPECT_EQ(o["latency_ms"], 12.346);  // rounded to microseconds
  EXPECT_EQ(o["request_bytes"], 143u);
  EXPECT_EQ(o["response_bytes"], 2048u);
  EXPECT_EQ(o["outcome"], "forwarded");
}

TEST(AuditRecord, TimeIsUtcWithMilliseconds) {
  FarFromUtc tz;
  auto o = json::parse(AuditLog::to_json(alice_call())).as_object();
  EXPECT_EQ(o["time"], "2027-01-15T08:00:00.123Z");
  auto whole_second = alice_call();
  whole_second.time = SysTime(1'800'000'000s + 59s);
  EXPECT_EQ(json::parse(AuditLog::to_json(whole_second)).at("time"), "2027-01-15T08:00:59.000Z");
}

TEST(AuditLog, AppendsOneLinePerRecordToAFile) {
  mcpgate::testing::TempDir dir;
  auto file = dir / "audit.jsonl";
  {
    AuditLog log(file.string());
    log.write(alice_call());
    auto denied = alice_call();
    denied.status = 401;
    denied.outcome = "expired";
    log.write(denied);
    EXPECT_EQ(lines_of(file).size(), 2u);  // flushed as written
  }
  AuditLog reopened(file.string());  // appends, never truncates
  reopened.write(alice_call());
  auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], AuditLog::to_json(alice_call()));
  EXPECT_EQ(json::parse(lines[1]).at("outcome"), "expired");
  EXPECT_EQ(lines[2], lines[0]);
}

TEST(AuditLog, WritesToStandardOutputOrNowhere) {
  ::testing::internal::CaptureStdout();
  AuditLog("-").write(alice_call());
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), AuditLog::to_json(alice_call()) + "\n");

  ::testing::internal::CaptureStdout();
  AuditLog("off").write(alice_call());
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

TEST(AuditLog, AnUnwritableDestinationIsAClearError) {
  mcpgate::testing::TempDir dir;
  try {
    AuditLog log((dir / "no-such-dir" / "audit.jsonl").string());
    FAIL() << "opened an audit log in a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-dir/audit.jsonl"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mcpgate::proxy
