// Hot-path pieces of token handling. Compare BM_Rs256Verify with `openssl speed -seconds 3 rsa2048`
// (its "verify/s" column) to see how close verification runs to OpenSSL's own limit.
#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "crypto/key.hpp"

namespace {

using namespace mcpgate;

struct Fixture {
  crypto::Key key = crypto::Key::generate_rsa(2048);
  std::string token;
  Fixture() {
    boost::json::object header{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", "bench"}};
    boost::json::object payload{{"aud", "6e1f9a3c-0000-4000-8000-000000000001"},
                                {"iss", "https://login.microsoftonline.com/72f988bf-0000-4000-8000-000000000000/v2.0"},
                                {"oid", "0f1e2d3c-0000-4000-8000-000000000002"},
                                {"scp", "Mcp.Gateway.Access"},
                                {"exp", 4102444800},
                                {"nbf", 1700000000},
                                {"name", "Bench User"},
                                {"preferred_username", "bench@contoso.example"}};
    token = auth::sign_jwt(header, payload, key, crypto::JwsAlg::RS256);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_JwtParse(benchmark::State& state) {
  const auto& token = fixture().token;  // outside the timed loop: the first call generates the key
  for (auto _ : state) benchmark::DoNotOptimize(auth::parse_jwt(token));
}
BENCHMARK(BM_JwtParse);

void BM_Rs256Verify(benchmark::State& state) {
  auto jwt = *auth::parse_jwt(fixture().token);
  for (auto _ : state)
    benchmark::DoNotOptimize(fixture().key.verify(crypto::JwsAlg::RS256, jwt.signing_input, jwt.signature));
}
BENCHMARK(BM_Rs256Verify);

void BM_Rs256Sign(benchmark::State& state) {
  auto jwt = *auth::parse_jwt(fixture().token);
  for (auto _ : state) benchmark::DoNotOptimize(fixture().key.sign(crypto::JwsAlg::RS256, jwt.signing_input));
}
BENCHMARK(BM_Rs256Sign);

}  // namespace
