// Convene's configuration: a GLib key file, overridden key by key by
// CONVENE_<SECTION>_<KEY> environment variables, overridden by command-line
// flags. Every key is declared once in config_schema.cpp with its type and
// default; an unknown key or a value of the wrong type stops start-up.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace convene::config {

enum class Type { String, Int, Bool, Double, StringList };

struct KeySpec {
  const char* section;
  const char* key;
  Type type;
  const char* default_value;  // as it would be written in the file; "" = empty
  const char* description;
};

// All keys Convene knows, in the order config/convene.ini documents them.
const std::vector<KeySpec>& schema();

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Config {
 public:
  // Defaults only.
  Config();

  // Loads `path` (may be empty: no file), then the environment.
  // Throws config::Error naming the offending key.
  static Config load(const std::string& path, char** environ_vars);

  // Sets one value from a command-line flag (or a test); validated like a file value.
  void set(const std::string& section, const std::string& key, const std::string& value);

  std::string get_string(const char* section, const char* key) const;
  int64_t get_int(const char* section, const char* key) const;
  bool get_bool(const char* section, const char* key) const;
  double get_double(const char* section, const char* key) const;
  std::vector<std::string> get_list(const char* section, const char* key) const;

  // Where a value came from: "default", "file", "env", "flag".
  std::string origin(const char* section, const char* key) const;

 private:
  const KeySpec& spec(const std::string& section, const std::string& key) const;
  const std::string& raw(const char* section, const char* key) const;
  static void validate(const KeySpec& spec, const std::string& value);

  std::map<std::string, std::string> values_;  // "section.key" -> text
  std::map<std::string, std::string> origins_;
};

}  // namespace convene::config
