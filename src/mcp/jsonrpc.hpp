#pragma once
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

namespace mcpgate::mcp {
namespace json = boost::json;

// JSON-RPC 2.0 error codes, and the one the MCP transports use for HTTP-level refusals.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;  // MCP: resources/read of an unknown URI
inline constexpr int kServerError = -32000;
// MCP 2026-07-28: a standard header that disagrees with the body; a protocol revision the server
// does not speak (its error data names the supported ones).
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kUnsupportedProtocolVersion = -32022;

struct JsonRpcError {
  int code = kInternalError;
  std::string message;
  json::value data = nullptr;  // omitted when null
};

enum class MessageKind { request, notification, response, error_response };

// One JSON-RPC message as received. A request carries id, method and params; a notification
// method and params (id stays null); a response or error response only its id (we never send
// requests, so their result and error are not kept).
struct JsonRpcMessage {
  MessageKind kind = MessageKind::request;
  json::value id;  // string or number for requests; null for notifications
  std::string method;
  json::object params;  // empty when absent
};

// Why a message was refused, with the id to answer with: the request's own id when it could be
// read (a string or a number), null otherwise (always null for a parse error).
struct MessageError {
  JsonRpcError error;
  json::value id;
};

// The body as JSON: -32700 when it is not.
boost::system::result<json::value, MessageError> parse_json(std::string_view body);
// One message from a parsed value: -32600 with a reason when it is not a JSON-RPC 2.0 object.
boost::system::result<JsonRpcMessage, MessageError> read_message(const json::value& value);
// Both steps, for a body that must hold exactly one message (an array is an invalid request).
boost::system::result<JsonRpcMessage, MessageError> parse_message(std::string_view body);

json::object make_result(const json::value& id, json::value result);
json::object make_error(const json::value& id, const JsonRpcError& error);
inline json::object make_error(const MessageError& e) { return make_error(e.id, e.error); }

}  // namespace mcpgate::mcp
