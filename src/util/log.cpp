#include "util/log.h"

#include <json-glib/json-glib.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

GST_DEBUG_CATEGORY(convene_app_debug);
GST_DEBUG_CATEGORY(convene_http_debug);
GST_DEBUG_CATEGORY(convene_store_debug);
GST_DEBUG_CATEGORY(convene_config_debug);
GST_DEBUG_CATEGORY(convene_auth_debug);
GST_DEBUG_CATEGORY(convene_rooms_debug);
GST_DEBUG_CATEGORY(convene_signaling_debug);
GST_DEBUG_CATEGORY(convene_media_debug);
GST_DEBUG_CATEGORY(convene_recording_debug);
GST_DEBUG_CATEGORY(convene_meeting_debug);

namespace convene::log {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(convene_app_debug, "convene-app", 0, "Convene process and CLI");
    GST_DEBUG_CATEGORY_INIT(convene_http_debug, "convene-http", 0, "Convene HTTP server");
    GST_DEBUG_CATEGORY_INIT(convene_store_debug, "convene-store", 0, "Convene database store");
    GST_DEBUG_CATEGORY_INIT(convene_config_debug, "convene-config", 0, "Convene configuration");
    GST_DEBUG_CATEGORY_INIT(convene_auth_debug, "convene-auth", 0, "Convene accounts and tokens");
    GST_DEBUG_CATEGORY_INIT(convene_rooms_debug, "convene-rooms", 0, "Convene rooms");
    GST_DEBUG_CATEGORY_INIT(convene_signaling_debug, "convene-signaling", 0,
                            "Convene WebSocket signaling");
    GST_DEBUG_CATEGORY_INIT(convene_media_debug, "convene-media", 0, "Convene SFU media plane");
    GST_DEBUG_CATEGORY_INIT(convene_recording_debug, "convene-recording", 0,
                            "Convene recording and egress");
    GST_DEBUG_CATEGORY_INIT(convene_meeting_debug, "convene-meeting", 0,
                            "Convene meeting features");
  });
}

namespace {

thread_local std::vector<std::pair<std::string, std::string>> scope_fields;

const char* level_name(GstDebugLevel level) {
  switch (level) {
    case GST_LEVEL_ERROR: return "error";
    case GST_LEVEL_WARNING: return "warning";
    case GST_LEVEL_FIXME: return "fixme";
    case GST_LEVEL_INFO: return "info";
    case GST_LEVEL_DEBUG: return "debug";
    case GST_LEVEL_LOG: return "log";
    case GST_LEVEL_TRACE: return "trace";
    case GST_LEVEL_MEMDUMP: return "memdump";
    default: return "none";
  }
}

std::string iso8601(gint64 unix_us) {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  if (!t) return "";
  g_autofree char* base = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
  char out[64];
  g_snprintf(out, sizeof out, "%s.%03dZ", base, static_cast<int>((unix_us % G_USEC_PER_SEC) / 1000));
  return out;
}

std::string object_name(GObject* object) {
  if (!object) return "";
  if (GST_IS_PAD(object) && GST_OBJECT_NAME(object)) {
    GstObject* parent = GST_OBJECT_PARENT(object);
    return std::string(parent && GST_OBJECT_NAME(parent) ? GST_OBJECT_NAME(parent) : "") + ":" +
           GST_OBJECT_NAME(object);
  }
  if (GST_IS_OBJECT(object) && GST_OBJECT_NAME(object)) return GST_OBJECT_NAME(object);
  return G_OBJECT_TYPE_NAME(object);
}

std::mutex write_mutex;

void write_line(std::string line) {
  line += '\n';
  // One write per line, so lines from several threads never interleave.
  std::lock_guard lock(write_mutex);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

// GLib's own messages (g_warning from libsoup, GLib-GIO criticals...) as
// JSON lines too, so a shipper sees nothing else; debug messages only when
// G_MESSAGES_DEBUG asks for them, as GLib's default writer does.
GLogWriterOutput glib_json_writer(GLogLevelFlags flags, const GLogField* fields, gsize n_fields, gpointer) {
  const char* domain = nullptr;
  const char* message = nullptr;
  for (gsize i = 0; i < n_fields; ++i) {
    if (!g_strcmp0(fields[i].key, "GLIB_DOMAIN")) domain = static_cast<const char*>(fields[i].value);
    if (!g_strcmp0(fields[i].key, "MESSAGE")) message = static_cast<const char*>(fields[i].value);
  }
  if ((flags & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && g_log_writer_default_would_drop(flags, domain))
    return G_LOG_WRITER_HANDLED;
  GstDebugLevel level = (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? GST_LEVEL_ERROR
                        : (flags & G_LOG_LEVEL_WARNING)                     ? GST_LEVEL_WARNING
                        : (flags & G_LOG_LEVEL_DEBUG)                       ? GST_LEVEL_DEBUG
                                                                            : GST_LEVEL_INFO;
  std::string category = std::string("glib") + (domain ? std::string("-") + domain : "");
  write_line(json_line(g_get_real_time(), level, category.c_str(), nullptr, nullptr, 0, nullptr, message,
                       scope_fields));
  return G_LOG_WRITER_HANDLED;
}

void json_log_function(GstDebugCategory* category, GstDebugLevel level, const gchar* file, const gchar* function,
                       gint line, GObject* object, GstDebugMessage* message, gpointer) {
  if (level > gst_debug_category_get_threshold(category)) return;
  const char* text = gst_debug_message_get(message);
  write_line(json_line(g_get_real_time(), level, gst_debug_category_get_name(category), file, function, line,
                       object_name(object).c_str(), text ? text : "", scope_fields));
}

}  // namespace

std::string json_line(gint64 unix_us, GstDebugLevel level, const char* category, const char* file,
                      const char* function, int line, const char* object, const char* message,
                      const std::vector<std::pair<std::string, std::string>>& fields) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ts");
  json_builder_add_string_value(b, iso8601(unix_us).c_str());
  json_builder_set_member_name(b, "level");
  json_builder_add_string_value(b, level_name(level));
  json_builder_set_member_name(b, "category");
  json_builder_add_string_value(b, category ? category : "");
  // The module: convene-media -> media; GStreamer's own categories keep their name.
  std::string module = category ? category : "";
  if (module.rfind("convene-", 0) == 0) module = module.substr(strlen("convene-"));
  json_builder_set_member_name(b, "module");
  json_builder_add_string_value(b, module.c_str());
  json_builder_set_member_name(b, "message");
  // json-glib writes only valid UTF-8 strings correctly; GStreamer messages may carry anything.
  g_autofree char* valid = g_utf8_make_valid(message ? message : "", -1);
  json_builder_add_string_value(b, valid);
  if (file && *file) {
    const char* base = strrchr(file, '/');
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, (std::string(base ? base + 1 : file) + ":" + std::to_string(line)).c_str());
  }
  if (function && *function) {
    json_builder_set_member_name(b, "function");
    json_builder_add_string_value(b, function);
  }
  if (object && *object) {
    json_builder_set_member_name(b, "object");
    g_autofree char* valid_object = g_utf8_make_valid(object, -1);
    json_builder_add_string_value(b, valid_object);
  }
  for (const auto& [k, v] : fields) {
    json_builder_set_member_name(b, k.c_str());
    g_autofree char* valid_value = g_utf8_make_valid(v.c_str(), -1);
    json_builder_add_string_value(b, valid_value);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  g_autofree char* text = json_generator_to_data(gen, nullptr);
  return text;
}

void use_json_lines() {
  static std::once_flag once;
  std::call_once(once, [] {
    gst_debug_add_log_function(json_log_function, nullptr, nullptr);
    gst_debug_remove_log_function(gst_debug_log_default);
    g_log_set_writer_func(glib_json_writer, nullptr, nullptr);
  });
}

Scope::Scope(std::initializer_list<std::pair<const char*, std::string>> fields) {
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    scope_fields.emplace_back(k, v);
    ++added_;
  }
}

Scope::~Scope() { scope_fields.resize(scope_fields.size() - added_); }

}  // namespace convene::log
