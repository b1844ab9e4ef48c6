#include "media/warm_up.h"

#include <gst/gst.h>

#include <mutex>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

std::mutex warm_up_mutex;
bool warm_up_started = false;
GThread* warm_up_thread = nullptr;  // until joined

gpointer warm_up(gpointer) {
  const gint64 start = g_get_monotonic_time();
  // dtlsdec first: it makes the process's certificate.
  for (const char* factory : {"dtlsdec", "webrtcbin", "srtpenc", "srtpdec", "nicesrc", "nicesink", "rtpbin"}) {
    if (GstElement* element = gst_element_factory_make(factory, nullptr)) {
      g_autoptr(GstElement) made = GST_ELEMENT(gst_object_ref_sink(element));  // made, then let go
    }
  }
  GST_INFO("media warmed up (DTLS certificate, plugins) in %.0f ms",
           static_cast<double>(g_get_monotonic_time() - start) / 1000);
  return nullptr;
}

}  // namespace

void warm_up_media() {
  std::lock_guard<std::mutex> lock(warm_up_mutex);
  if (warm_up_started) return;
  warm_up_started = true;
  warm_up_thread = g_thread_try_new("media-warm-up", warm_up, nullptr, nullptr);
}

void finish_warm_up() {
  GThread* thread = nullptr;
  {
    std::lock_guard<std::mutex> lock(warm_up_mutex);
    std::swap(thread, warm_up_thread);
  }
  if (thread) g_thread_join(thread);
}

}  // namespace convene::media
