#include "mcp/jsonrpc.hpp"

#include <boost/json/parse.hpp>

namespace mcpgate::mcp {
namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_number(); }

MessageError invalid(const std::string& reason, json::value id = nullptr) {
  return {{kInvalidRequest, "Invalid Request: " + reason}, std::move(id)};
}

}  // namespace

boost::system::result<json::value, MessageError> parse_json(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec) return MessageError{{kParseError, "Parse error: " + ec.message()}, nullptr};
  return value;
}

boost::system::result<JsonRpcMessage, MessageError> read_message(const json::value& value) {
  if (value.is_array()) return invalid("a batch is not allowed here");
  if (!value.is_object()) return invalid("a message must be a JSON object");
  const auto& o = value.as_object();
  const json::value* id = o.if_contains("id");
  json::value answer_id = id && valid_id(*id) ? *id : json::value(nullptr);

  auto* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0")
    return invalid("\"jsonrpc\" must be \"2.0\"", answer_id);

  JsonRpcMessage m;
  if (auto* method = o.if_contains("method")) {
    if (!method->is_string()) return invalid("\"method\" must be a string", answer_id);
    if (o.contains("result") || o.contains("error"))
      return invalid("a request cannot carry \"result\" or \"error\"", answer_id);
    if (auto* params = o.if_contains("params")) {
      if (!params->is_object()) return invalid("\"params\" must be an object", answer_id);
      m.params = params->get_object();
    }
    m.method = std::string(method->get_string());
    if (!id) {
      m.kind = MessageKind::notification;
      return m;
    }
    if (!valid_id(*id)) return invalid("\"id\" must be a string or a number");
    m.kind = MessageKind::request;
    m.id = *id;
    return m;
  }

  if (!id) return invalid("a message needs a \"method\" or an \"id\"");
  const bool has_result = o.contains("result");
  const auto* error = o.if_contains("error");
  if (has_result == (error != nullptr))
    return invalid("a response carries exactly one of \"result\" and \"error\"", answer_id);
  if (has_result) {
    if (!valid_id(*id)) return invalid("\"id\" must be a string or a number");
    m.kind = MessageKind::response;
  } else {
    // An error response may have a null id: the peer could not read ours.
    if (!valid_id(*id) && !id->is_null()) return invalid("\"id\" must be a string, a number or null");
    if (!error->is_object()) return invalid("\"error\" must be an object", answer_id);
    m.kind = MessageKind::error_response;
  }
  m.id = *id;
  return m;
}

boost::system::result<JsonRpcMessage, MessageError> parse_message(std::string_view body) {
  auto value = parse_json(body);
  if (!value) return value.error();
  return read_message(*value);
}

json::object make_result(const json::value& id, json::value result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object make_error(const json::value& id, const JsonRpcError& error) {
  json::object e{{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) e["data"] = error.data;
  return {{"jsonrpc", "2.0"}, {"error", std::move(e)}, {"id", id}};
}

}  // namespace mcpgate::mcp
