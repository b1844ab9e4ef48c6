// One GStreamer debug category per module: GST_DEBUG=convene*:5 shows them all.
// Each module's .cpp declares its category with CONVENE_LOG_CATEGORY and uses the
// usual GST_INFO/GST_WARNING macros after `#define GST_CAT_DEFAULT <name>`.
#pragma once

#include <gst/gst.h>

#include <string>
#include <utility>
#include <vector>

namespace convene::log {

// Creates all categories; call once after gst_init().
void init();

// Replaces GStreamer's default log output with JSON lines on stderr, one
// object a line: ts, level, category, module, message, the source location,
// the object, and the fields of the Scopes open on the logging thread
// (request_id, room_id, peer_id...). Covers every category (convene-* and
// GStreamer's own); GST_DEBUG still picks what is logged. Idempotent.
void use_json_lines();

// One JSON log line (without the newline), as use_json_lines() writes it.
// `fields` are the scope's extra fields.
std::string json_line(gint64 unix_us, GstDebugLevel level, const char* category, const char* file,
                      const char* function, int line, const char* object, const char* message,
                      const std::vector<std::pair<std::string, std::string>>& fields);

// Fields JSON log lines carry while this object lives, on this thread (the
// main loop, while it handles one request or message). Empty values are
// left out; nested scopes add to the outer ones.
class Scope {
 public:
  Scope(std::initializer_list<std::pair<const char*, std::string>> fields);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  size_t added_ = 0;
};

}  // namespace convene::log

GST_DEBUG_CATEGORY_EXTERN(convene_app_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_http_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_store_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_config_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_auth_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_rooms_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_signaling_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_media_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_recording_debug);
GST_DEBUG_CATEGORY_EXTERN(convene_meeting_debug);
