// Bearer tokens as any client may send them: parsing, every claim accessor, and the whole
// verification against a fixed tenant (no input can carry a valid signature of its key).
#include "auth/jwt.hpp"

#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "auth/verifier.hpp"
#include "crypto/key.hpp"

using namespace mcpgate;

namespace {

struct Tenant {
  Tenant() {
    auto key = crypto::Key::generate_rsa(2048);
    auto jwk = key.public_jwk();
    jwk["kid"] = "k1";
    keys.update(boost::json::serialize(boost::json::object{{"keys", boost::json::array{jwk}}}), SysTime{});
    policy.issuer = "https://login.microsoftonline.com/t/v2.0";
    policy.tenant_id = "t";
    policy.audiences = {"a"};
    policy.required_scopes = {"s"};
    policy.required_tenant = "t";
  }
  auth::KeySet keys;
  auth::VerificationPolicy policy;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tenant tenant;
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jwt = auth::parse_jwt(token);
  if (jwt) {
    (void)jwt->audiences();
    (void)jwt->claim_list("scp");
    (void)jwt->claim_list("roles");
    (void)jwt->claim_int("exp");
    (void)jwt->claim_string("tid");
  }
  (void)auth::verify_token(token, tenant.policy, tenant.keys, SysTime(std::chrono::seconds(1'800'000'000)));
  return 0;
}
