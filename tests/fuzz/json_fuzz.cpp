// json::parse, the one parser HTTP bodies and WebSocket messages share, and
// the field readers every handler uses on what it returns.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/json.h"

namespace {

using namespace convene;

// Reads a member with every reader: each either returns or throws FieldError.
void read_all_ways(JsonObject* obj, const char* field) {
  auto attempt = [](auto&& fn) {
    try {
      fn();
    } catch (const json::FieldError&) {
    }
  };
  attempt([&] { json::optional_string(obj, field); });
  attempt([&] { json::require_string(obj, field); });
  attempt([&] { json::optional_int(obj, field); });
  attempt([&] { json::require_int(obj, field); });
  attempt([&] { json::optional_number(obj, field); });
  attempt([&] { json::optional_bool(obj, field); });
  attempt([&] { json::require_object(obj, field); });
  attempt([&] { json::optional_array(obj, field); });
  attempt([&] { json::require_array(obj, field); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  JsonNodePtr node = json::parse(text, &error);
  if (!node) return 0;
  // What the server writes back must parse again (replies echo client fields).
  std::string out = json::stringify(node.get());
  if (!json::parse(out, nullptr)) __builtin_trap();
  if (!JSON_NODE_HOLDS_OBJECT(node.get())) return 0;
  JsonObject* obj = json_node_get_object(node.get());
  g_autoptr(GList) members = json_object_get_members(obj);
  for (GList* m = members; m; m = m->next) read_all_ways(obj, static_cast<const char*>(m->data));
  read_all_ways(obj, "type");  // often absent
  // Echoed into a reply object, as handlers do with client strings.
  json::Object reply;
  if (auto type = [&]() -> std::optional<std::string> {
        try {
          return json::optional_string(obj, "type");
        } catch (const json::FieldError&) {
          return std::nullopt;
        }
      }())
    reply.set("type", *type);
  reply.set("echo", JsonNodePtr(json_node_copy(node.get())));
  if (!json::parse(std::move(reply).to_string(), nullptr)) __builtin_trap();
  return 0;
}
