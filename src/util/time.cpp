#include "util/time.h"

#include <glib.h>

namespace convene::timeutil {

int64_t now_ms() { return g_get_real_time() / 1000; }

int64_t monotonic_us() { return g_get_monotonic_time(); }

std::string iso8601_from_ms(int64_t ms) {
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
  if (!dt) return {};
  g_autofree char* base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
  char buf[96];
  g_snprintf(buf, sizeof buf, "%s.%03dZ", base, static_cast<int>(ms % 1000));
  return buf;
}

bool ms_from_iso8601(const std::string& text, int64_t* out_ms) {
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text.c_str(), nullptr);
  if (!dt) return false;
  *out_ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
  return true;
}

}  // namespace convene::timeutil
