#include "config/config.h"

#include <glib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_config_debug

namespace convene::config {
namespace {

std::string full_key(const std::string& section, const std::string& key) {
  return section + "." + key;
}

std::string env_name(const KeySpec& s) {
  std::string name = "CONVENE_";
  for (const char* p = s.section; *p; ++p) name += static_cast<char>(g_ascii_toupper(*p));
  name += '_';
  for (const char* p = s.key; *p; ++p) name += static_cast<char>(g_ascii_toupper(*p));
  return name;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::String: return "a string";
    case Type::Int: return "an integer";
    case Type::Bool: return "true or false";
    case Type::Double: return "a number";
    case Type::StringList: return "a comma-separated list";
  }
  return "a value";
}

bool parse_bool(const std::string& v, bool* out) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return *out = true, true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return *out = false, true;
  return false;
}

}  // namespace

Config::Config() {
  for (const KeySpec& s : schema()) {
    values_[full_key(s.section, s.key)] = s.default_value;
    origins_[full_key(s.section, s.key)] = "default";
  }
}

const KeySpec& Config::spec(const std::string& section, const std::string& key) const {
  for (const KeySpec& s : schema())
    if (section == s.section && key == s.key) return s;
  throw Error("unknown configuration key [" + section + "] " + key);
}

void Config::validate(const KeySpec& s, const std::string& value) {
  auto fail = [&] {
    throw Error("configuration key [" + std::string(s.section) + "] " + s.key + " must be " +
                type_name(s.type) + ", got '" + value + "'");
  };
  switch (s.type) {
    case Type::String:
    case Type::StringList:
      return;
    case Type::Int: {
      if (value.empty()) fail();
      char* end = nullptr;
      errno = 0;
      (void)g_ascii_strtoll(value.c_str(), &end, 10);
      if (errno || *end) fail();
      return;
    }
    case Type::Double: {
      if (value.empty()) fail();
      char* end = nullptr;
      (void)g_ascii_strtod(value.c_str(), &end);
      if (*end) fail();
      return;
    }
    case Type::Bool: {
      bool b;
      if (!parse_bool(value, &b)) fail();
      return;
    }
  }
}

void Config::set(const std::string& section, const std::string& key, const std::string& value) {
  const KeySpec& s = spec(section, key);
  validate(s, value);
  values_[full_key(section, key)] = value;
  origins_[full_key(section, key)] = "flag";
}

Config Config::load(const std::string& path, char** environ_vars) {
  Config cfg;
  if (!path.empty()) {
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = nullptr;
    if (!g_key_file_load_from_file(kf, path.c_str(), G_KEY_FILE_NONE, &err))
      throw Error("cannot read configuration file " + path + ": " + err->message);
    gsize n_groups = 0;
    g_auto(GStrv) groups = g_key_file_get_groups(kf, &n_groups);
    for (gsize g = 0; g < n_groups; ++g) {
      gsize n_keys = 0;
      g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], &n_keys, nullptr);
      for (gsize k = 0; k < n_keys; ++k) {
        const KeySpec& s = cfg.spec(groups[g], keys[k]);  // throws on unknown
        g_autofree char* value = g_key_file_get_string(kf, groups[g], keys[k], &err);
        if (!value) throw Error(std::string("configuration key [") + groups[g] + "] " + keys[k] +
                                ": " + (err ? err->message : "unreadable"));
        std::string text = g_strstrip(value);
        validate(s, text);
        cfg.values_[full_key(groups[g], keys[k])] = text;
        cfg.origins_[full_key(groups[g], keys[k])] = "file";
      }
    }
  }
  for (const KeySpec& s : schema()) {
    const char* v = g_environ_getenv(environ_vars, env_name(s).c_str());
    if (!v) continue;
    try {
      validate(s, v);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (from " + env_name(s) + ")");
    }
    cfg.values_[full_key(s.section, s.key)] = v;
    cfg.origins_[full_key(s.section, s.key)] = "env";
  }
  return cfg;
}

const std::string& Config::raw(const char* section, const char* key) const {
  auto it = values_.find(full_key(section, key));
  if (it == values_.end()) throw Error(std::string("unknown configuration key [") + section + "] " + key);
  return it->second;
}

std::string Config::get_string(const char* section, const char* key) const { return raw(section, key); }

int64_t Config::get_int(const char* section, const char* key) const {
  return g_ascii_strtoll(raw(section, key).c_str(), nullptr, 10);
}

bool Config::get_bool(const char* section, const char* key) const {
  bool b = false;
  parse_bool(raw(section, key), &b);
  return b;
}

double Config::get_double(const char* section, const char* key) const {
  return g_ascii_strtod(raw(section, key).c_str(), nullptr);
}

std::vector<std::string> Config::get_list(const char* section, const char* key) const {
  std::vector<std::string> out;
  g_auto(GStrv) parts = g_strsplit(raw(section, key).c_str(), ",", -1);
  for (char** p = parts; *p; ++p) {
    std::string item = g_strstrip(*p);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string Config::origin(const char* section, const char* key) const {
  auto it = origins_.find(full_key(section, key));
  return it == origins_.end() ? "unknown" : it->second;
}

}  // namespace convene::config
