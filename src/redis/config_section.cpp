#include "redis/config_section.hpp"

#include "common/files.hpp"

namespace mcpgate::redis {

std::vector<std::string_view> connection_keys() {
  return {"url", "username", "password", "ca_file", "timeout", "connect_timeout", "prefix"};
}

Connection read_connection(const config::YamlReader& r) {
  Connection c;
  try {
    c.settings = parse_url(r.str("url"));
  } catch (const std::invalid_argument& e) {
    r.fail("url", e.what());
  }
  c.settings.username = r.opt_str("username");
  c.settings.password = r.opt_str("password");
  if (c.settings.username && !c.settings.password) r.fail("password", "is required with a username");
  c.settings.ca_file = r.opt_str("ca_file");
  if (c.settings.ca_file && !c.settings.tls)
    r.fail("ca_file", "applies to TLS only: write the URL as rediss://host:port");
  if (c.settings.ca_file && !read_file(*c.settings.ca_file)) r.fail("ca_file", "cannot read " + *c.settings.ca_file);
  c.settings.command_timeout = r.duration("timeout", c.settings.command_timeout);
  c.settings.connect_timeout = r.duration("connect_timeout", c.settings.connect_timeout);
  if (c.settings.command_timeout.count() < 1) r.fail("timeout", "must be at least 1ms");
  if (c.settings.connect_timeout.count() < 1) r.fail("connect_timeout", "must be at least 1ms");
  c.prefix = r.str_or("prefix", c.prefix);
  if (c.prefix.empty() || c.prefix.size() > 64) r.fail("prefix", "must be 1 to 64 characters, e.g. \"mcpgate:\"");
  return c;
}

}  // namespace mcpgate::redis
