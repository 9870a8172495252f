// `mcpgate doctor`: the guide's troubleshooting section as a command.
#include <iostream>
#include <iterator>

#include "commands.hpp"
#include "common/files.hpp"
#include "config/yaml_reader.hpp"
#include "doctor/doctor.hpp"

namespace mcpgate::app {

namespace {

struct DoctorOptions {
  std::string token;
  std::string token_file;
  std::string gateway_config;
  std::string server_config;
  std::string data_dir;
  std::string authority;
  std::string ca_file;
  bool json = false;
};

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  s.erase(0, start);
  if (s.rfind("Bearer ", 0) == 0) s.erase(0, 7);  // pasted with its header prefix
  return s;
}

std::optional<std::string> read_token(const DoctorOptions& o) {
  if (!o.token.empty() && !o.token_file.empty())
    throw std::runtime_error("give the token once: --token or --token-file, not both");
  std::string text;
  if (o.token == "-" || o.token_file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (!o.token_file.empty()) {
    auto content = read_file(o.token_file);
    if (!content) throw std::runtime_error("--token-file: cannot read " + o.token_file);
    text = *content;
  } else if (!o.token.empty()) {
    text = o.token;
  } else {
    return std::nullopt;
  }
  text = trimmed(text);
  if (text.empty())
    throw std::runtime_error("the token is empty; pass the access token (--token T, --token-file F, or - for stdin)");
  return text;
}

int run_doctor_command(const DoctorOptions& o) {
  doctor::DoctorInputs inputs;
  inputs.token = read_token(o);
  if (o.gateway_config.empty() && o.server_config.empty() && o.data_dir.empty() && !inputs.token)
    throw std::runtime_error(
        "nothing to check: give a token (--token, --token-file) and/or a configuration "
        "(--gateway-config, --server-config, --data-dir)");
  if (!o.gateway_config.empty())
    inputs.gateway = proxy::parse_gateway_config(config::YamlReader::from_file(o.gateway_config));
  std::unique_ptr<store::Store> store;
  if (!o.server_config.empty() || !o.data_dir.empty()) {
    inputs.server = o.server_config.empty()
                        ? server::default_server_config(o.data_dir)
                        : server::parse_server_config(config::YamlReader::from_file(o.server_config));
    if (!o.data_dir.empty()) inputs.server->data_dir = o.data_dir;
    store = doctor::open_existing_store(*inputs.server, SystemClock::instance());
    inputs.store = store.get();
    inputs.store_dir = inputs.server->data_dir.string();
  }
  if (!o.authority.empty()) {
    if (inputs.gateway) inputs.gateway->authority = o.authority;
    if (inputs.server) inputs.server->authority = o.authority;
  }
  if (!o.ca_file.empty()) {
    if (inputs.gateway) inputs.gateway->ca_file = o.ca_file;
    if (inputs.server) inputs.server->ca_file = o.ca_file;
  }
  auto checks = doctor::run_doctor(inputs, SystemClock::instance());
  std::cout << (o.json ? doctor::render_json(checks) : doctor::render_text(checks)) << std::flush;
  return doctor::exit_code(checks);
}

}  // namespace

Command add_doctor_command(CLI::App& app) {
  auto options = std::make_shared<DoctorOptions>();
  auto* cmd = app.add_subcommand("doctor",
                                 "Diagnose a token and a gateway or server configuration, as the guide's "
                                 "troubleshooting section does; exit 0 when every check passes");
  cmd->add_option("--token", options->token,
                  "the access token, or - to read it from standard input (which, unlike an argument, other "
                  "users cannot see in the process list)");
  cmd->add_option("--token-file", options->token_file, "a file holding the access token (- for standard input)");
  cmd->add_option("--gateway-config", options->gateway_config, "the gateway's YAML: checks the client's token");
  cmd->add_option("--server-config", options->server_config, "the MCP server's YAML: checks the On-Behalf-Of token");
  cmd->add_option("--data-dir", options->data_dir,
                  "the MCP server's data directory (its store of teamspaces and users)");
  cmd->add_option("--authority", options->authority, "override the configured Entra authority");
  cmd->add_option("--ca-file", options->ca_file, "extra CA (PEM) for the authority");
  cmd->add_flag("--json", options->json, "machine-readable output");
  return {cmd, [options] { return run_doctor_command(*options); }};
}

}  // namespace mcpgate::app
