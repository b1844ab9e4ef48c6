#include "util/json.h"

#include <cmath>
#include <optional>
#include <vector>

#include "util/time.h"

namespace convene::json {

namespace {

// json-glib 1.6 parses recursively with no depth limit (100,000 '[' overflow
// the stack) and keeps strings as C strings (an escaped or raw NUL silently
// cuts them short). One linear pass over the text refuses both before
// json-glib sees it; it tracks only whether it is inside a string.
std::optional<std::string> refuse_before_parsing(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return "JSON text must not contain NUL characters";
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < text.size()) {
        ++i;  // the escaped character never ends the string
        if (text[i] == 'u' && text.substr(i + 1, 4) == "0000")
          return "JSON strings must not contain NUL characters (\\u0000)";
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        return "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;  // unbalanced text is json-glib's to report
    }
  }
  return std::nullopt;
}

// json-glib 1.6 accepts what it cannot write back: half a surrogate pair
// followed by anything but its other half becomes invalid UTF-8, and a
// number beyond a double's range becomes infinity (written as "inf.0").
// Echoed, relayed or kept for late joiners, either would make what the
// server sends unreadable for everyone who gets it (libsoup refuses to send
// invalid UTF-8 at all). Walked without recursion: the document is the client's.
// (Finite numbers of any size are fine: stringify mends how they are written.)
const char* unwritable(JsonNode* root) {
  std::vector<JsonNode*> pending{root};
  while (!pending.empty()) {
    JsonNode* n = pending.back();
    pending.pop_back();
    if (JSON_NODE_HOLDS_OBJECT(n)) {
      JsonObjectIter it;
      const char* key = nullptr;
      JsonNode* member = nullptr;
      json_object_iter_init(&it, json_node_get_object(n));
      while (json_object_iter_next(&it, &key, &member)) {
        if (!g_utf8_validate(key, -1, nullptr)) return "a member name is not valid UTF-8";
        pending.push_back(member);
      }
    } else if (JSON_NODE_HOLDS_ARRAY(n)) {
      JsonArray* a = json_node_get_array(n);
      for (guint i = 0; i < json_array_get_length(a); ++i) pending.push_back(json_array_get_element(a, i));
    } else if (JSON_NODE_HOLDS_VALUE(n)) {
      GType t = json_node_get_value_type(n);
      if (t == G_TYPE_STRING && !g_utf8_validate(json_node_get_string(n), -1, nullptr))
        return "a string is not valid UTF-8 (half a surrogate pair?)";
      if (t == G_TYPE_DOUBLE && !std::isfinite(json_node_get_double(n)))
        return "a number is beyond a double's range";
    }
  }
  return nullptr;
}

}  // namespace

JsonNodePtr parse(std::string_view text, std::string* error) {
  if (auto refusal = refuse_before_parsing(text)) {
    if (error) *error = std::move(*refusal);
    return nullptr;
  }
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) err = nullptr;
  if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), &err)) {
    // The message quotes the offending text, which may be the broken string.
    g_autofree char* valid = err ? g_utf8_make_valid(err->message, -1) : nullptr;
    if (error) *error = valid ? valid : "malformed JSON";
    return nullptr;
  }
  JsonNode* root = json_parser_steal_root(parser);
  if (!root) {
    if (error) *error = "empty JSON document";
    return nullptr;
  }
  JsonNodePtr owned(root);
  if (const char* why = unwritable(root)) {
    if (error) *error = why;
    return nullptr;
  }
  return owned;
}

namespace {

// json-glib 1.6 writes a double with "%.17g" and appends ".0" when the result
// has no point, so one printed with an exponent and a single digit comes out
// as "1e-08.0" or "1e+40.0", which no JSON parser reads. Outside strings an
// 'e' followed by a sign or digit only occurs in such a number (true and
// false end in 'e' followed by neither), so dropping the ".0" after its
// digits mends exactly those.
void drop_point_after_exponent(std::string& text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != 'e' && c != 'E') continue;
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    const size_t digits = j;
    while (j < text.size() && g_ascii_isdigit(text[j])) ++j;
    if (j == digits) continue;
    if (text.compare(j, 2, ".0") == 0) text.erase(j, 2);
    i = j - 1;
  }
}

}  // namespace

std::string stringify(JsonNode* node, bool pretty) {
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, node);
  json_generator_set_pretty(gen, pretty);
  g_autofree char* text = json_generator_to_data(gen, nullptr);
  if (!text) return "null";
  std::string written(text);
  drop_point_after_exponent(written);
  return written;
}

Object::Object() : object_(json_object_new()) {}
Object::Object(JsonObject* existing) : object_(json_object_ref(existing)) {}
Object::Object(Object&& other) noexcept : object_(other.object_) { other.object_ = nullptr; }
Object::~Object() {
  if (object_) json_object_unref(object_);
}

Object& Object::set(const char* key, std::string_view value) {
  std::string copy(value);
  json_object_set_string_member(object_, key, copy.c_str());
  return *this;
}
Object& Object::set(const char* key, const char* value) {
  json_object_set_string_member(object_, key, value);
  return *this;
}
Object& Object::set(const char* key, int64_t value) {
  json_object_set_int_member(object_, key, value);
  return *this;
}
Object& Object::set(const char* key, double value) {
  json_object_set_double_member(object_, key, std::isfinite(value) ? value : 0.0);
  return *this;
}
Object& Object::set(const char* key, bool value) {
  json_object_set_boolean_member(object_, key, value);
  return *this;
}
Object& Object::set(const char* key, Object&& value) {
  json_object_set_member(object_, key, std::move(value).node().release());
  return *this;
}
Object& Object::set(const char* key, Array&& value) {
  json_object_set_member(object_, key, std::move(value).node().release());
  return *this;
}
Object& Object::set(const char* key, JsonNodePtr value) {
  if (!value) return set_null(key);
  json_object_set_member(object_, key, value.release());
  return *this;
}
Object& Object::set_null(const char* key) {
  json_object_set_null_member(object_, key);
  return *this;
}
Object& Object::set_optional(const char* key, const std::optional<std::string>& value) {
  return value ? set(key, *value) : set_null(key);
}
Object& Object::set_optional(const char* key, const std::optional<int64_t>& value) {
  return value ? set(key, *value) : set_null(key);
}
Object& Object::set_time(const char* key, std::optional<int64_t> ms) {
  return ms ? set(key, timeutil::iso8601_from_ms(*ms)) : set_null(key);
}

JsonNodePtr Object::node() && {
  JsonNode* n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, object_);
  object_ = nullptr;
  return JsonNodePtr(n);
}

std::string Object::to_string() && {
  JsonNodePtr n = std::move(*this).node();
  return stringify(n.get());
}

Array::Array() : array_(json_array_new()) {}
Array::Array(Array&& other) noexcept : array_(other.array_) { other.array_ = nullptr; }
Array::~Array() {
  if (array_) json_array_unref(array_);
}
Array& Array::add(std::string_view value) {
  std::string copy(value);
  json_array_add_string_element(array_, copy.c_str());
  return *this;
}
Array& Array::add(int64_t value) {
  json_array_add_int_element(array_, value);
  return *this;
}
Array& Array::add(double value) {
  json_array_add_double_element(array_, std::isfinite(value) ? value : 0.0);
  return *this;
}
Array& Array::add(Object&& value) {
  json_array_add_element(array_, std::move(value).node().release());
  return *this;
}
Array& Array::add(Array&& value) {
  json_array_add_element(array_, std::move(value).node().release());
  return *this;
}
Array& Array::add(JsonNodePtr value) {
  json_array_add_element(array_, value.release());
  return *this;
}
JsonNodePtr Array::node() && {
  JsonNode* n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, array_);
  array_ = nullptr;
  return JsonNodePtr(n);
}

namespace {

JsonNode* member(JsonObject* obj, const char* field) {
  if (!obj || !json_object_has_member(obj, field)) return nullptr;
  JsonNode* n = json_object_get_member(obj, field);
  return JSON_NODE_HOLDS_NULL(n) ? nullptr : n;
}

[[noreturn]] void wrong_type(const char* field, const char* expected) {
  throw FieldError(field, std::string("'") + field + "' must be " + expected);
}

bool is_integer_node(JsonNode* n) {
  if (!JSON_NODE_HOLDS_VALUE(n)) return false;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return true;
  if (t == G_TYPE_DOUBLE) {
    double d = json_node_get_double(n);
    return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
  }
  return false;
}

}  // namespace

std::optional<std::string> optional_string(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) return std::nullopt;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    wrong_type(field, "a string");
  return std::string(json_node_get_string(n));
}

std::string require_string(JsonObject* obj, const char* field) {
  auto v = optional_string(obj, field);
  if (!v) throw FieldError(field, std::string("'") + field + "' is required");
  return *v;
}

std::optional<int64_t> optional_int(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) return std::nullopt;
  if (!is_integer_node(n)) wrong_type(field, "an integer");
  if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
    return static_cast<int64_t>(json_node_get_double(n));
  return json_node_get_int(n);
}

int64_t require_int(JsonObject* obj, const char* field) {
  auto v = optional_int(obj, field);
  if (!v) throw FieldError(field, std::string("'") + field + "' is required");
  return *v;
}

std::optional<double> optional_number(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) return std::nullopt;
  if (!JSON_NODE_HOLDS_VALUE(n)) wrong_type(field, "a number");
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return static_cast<double>(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return json_node_get_double(n);
  wrong_type(field, "a number");
}

std::optional<bool> optional_bool(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) return std::nullopt;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    wrong_type(field, "true or false");
  return json_node_get_boolean(n) != FALSE;
}

JsonObject* require_object(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) throw FieldError(field, std::string("'") + field + "' is required");
  if (!JSON_NODE_HOLDS_OBJECT(n)) wrong_type(field, "an object");
  return json_node_get_object(n);
}

JsonArray* optional_array(JsonObject* obj, const char* field) {
  JsonNode* n = member(obj, field);
  if (!n) return nullptr;
  if (!JSON_NODE_HOLDS_ARRAY(n)) wrong_type(field, "an array");
  return json_node_get_array(n);
}

JsonArray* require_array(JsonObject* obj, const char* field) {
  JsonArray* a = optional_array(obj, field);
  if (!a) throw FieldError(field, std::string("'") + field + "' is required");
  return a;
}

}  // namespace convene::json
