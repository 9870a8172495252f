#pragma once
#include <string>
#include <string_view>

namespace mcpgate::crypto {

std::string random_bytes(size_t n);      // CSPRNG; throws if the generator fails
std::string random_token(size_t bytes);  // base64url of random bytes: codes, refresh tokens
std::string random_guid();               // RFC 4122 version 4, lower case
// A GUID derived from a name, stable across runs (for pairwise subjects and demo object IDs).
std::string name_based_guid(std::string_view name);

// Compares secrets without leaking, through timing, where they first differ.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace mcpgate::crypto
