// Thin C++ helpers over json-glib: build replies, read request fields with
// validation. Every reader throws json::FieldError naming the field, which the
// HTTP layer turns into 400 and the signaling layer into an `error` message.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "util/gobject_ptr.h"

namespace convene::json {

struct FieldError : std::runtime_error {
  FieldError(std::string field_name, const std::string& message)
      : std::runtime_error(message), field(std::move(field_name)) {}
  std::string field;
};

// Deepest nesting of arrays and objects parse() accepts.
inline constexpr int kMaxDepth = 64;

// Parses text; returns null and sets *error on malformed input, on nesting
// deeper than kMaxDepth and on NUL characters (raw or \u0000), which
// json-glib cannot represent.
JsonNodePtr parse(std::string_view text, std::string* error);
std::string stringify(JsonNode* node, bool pretty = false);

class Array;

// Builds a JSON object. Setters return *this for chaining.
class Object {
 public:
  Object();
  explicit Object(JsonObject* existing);  // adds a reference
  Object(const Object&) = delete;
  Object(Object&& other) noexcept;
  ~Object();

  Object& set(const char* key, std::string_view value);
  Object& set(const char* key, const char* value);
  Object& set(const char* key, const std::string& value) { return set(key, std::string_view(value)); }
  Object& set(const char* key, int64_t value);
  Object& set(const char* key, int value) { return set(key, static_cast<int64_t>(value)); }
  Object& set(const char* key, double value);
  Object& set(const char* key, bool value);
  Object& set(const char* key, Object&& value);
  Object& set(const char* key, Array&& value);
  Object& set(const char* key, JsonNodePtr value);
  Object& set_null(const char* key);
  // Sets the value, or null when empty.
  Object& set_optional(const char* key, const std::optional<std::string>& value);
  Object& set_optional(const char* key, const std::optional<int64_t>& value);
  // Sets an ISO-8601 time from epoch ms, or null when empty.
  Object& set_time(const char* key, std::optional<int64_t> ms);

  JsonObject* get() const { return object_; }
  JsonNodePtr node() &&;
  std::string to_string() &&;

 private:
  JsonObject* object_;
};

class Array {
 public:
  Array();
  Array(const Array&) = delete;
  Array(Array&& other) noexcept;
  ~Array();

  Array& add(std::string_view value);
  Array& add(int64_t value);
  Array& add(double value);
  Array& add(Object&& value);
  Array& add(Array&& value);
  Array& add(JsonNodePtr value);
  size_t size() const { return json_array_get_length(array_); }

  JsonArray* get() const { return array_; }
  JsonNodePtr node() &&;

 private:
  JsonArray* array_;
};

// Field readers. `required` variants throw FieldError when the field is
// missing or of the wrong type; `optional` ones only when of the wrong type.
std::string require_string(JsonObject* obj, const char* field);
std::optional<std::string> optional_string(JsonObject* obj, const char* field);
int64_t require_int(JsonObject* obj, const char* field);
std::optional<int64_t> optional_int(JsonObject* obj, const char* field);
std::optional<double> optional_number(JsonObject* obj, const char* field);
std::optional<bool> optional_bool(JsonObject* obj, const char* field);
JsonObject* require_object(JsonObject* obj, const char* field);
JsonArray* require_array(JsonObject* obj, const char* field);
JsonArray* optional_array(JsonObject* obj, const char* field);

}  // namespace convene::json
