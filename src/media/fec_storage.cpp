#include "media/fec_storage.h"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "media/pad_util.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

constexpr char kFecStorageData[] = "convene-fec-storage";
// webrtcbin's extra time over its latency (RTPSTORAGE_EXTRA_TIME in 1.22).
constexpr guint64 kWebrtcbinExtraMs = 50;

struct FecStorage {
  std::atomic<bool> fec{false};
};

FecStorage* policy_of(GstElement* webrtcbin) {
  return static_cast<FecStorage*>(g_object_get_data(G_OBJECT(webrtcbin), kFecStorageData));
}

// What webrtcbin would set: its latency + 50 ms with FEC, else nothing kept.
guint64 size_for(GstElement* webrtcbin, bool fec) {
  if (!fec) return 0;
  guint latency_ms = 0;
  g_object_get(webrtcbin, "latency", &latency_ms, nullptr);
  return (latency_ms + kWebrtcbinExtraMs) * GST_MSECOND;
}

}  // namespace

bool names_ulpfec(const std::string& sdp) {
  static constexpr char kName[] = "ulpfec/";
  auto it = std::search(sdp.begin(), sdp.end(), std::begin(kName), std::end(kName) - 1,
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != sdp.end();
}

void keep_storage_only_for_fec(GstElement* webrtcbin) {
  g_autoptr(GstElement) rtpbin = child_by_factory(GST_BIN(webrtcbin), "rtpbin");
  if (!rtpbin) return;
  g_object_set_data_full(G_OBJECT(webrtcbin), kFecStorageData, new FecStorage(),
                         [](gpointer data) { delete static_cast<FecStorage*>(data); });
  // After webrtcbin's own handler (connected when it made rtpbin), which sizes it.
  g_signal_connect(rtpbin, "new-storage", G_CALLBACK(+[](GstElement*, GstElement* storage, guint, gpointer bin) {
                     auto* webrtcbin = static_cast<GstElement*>(bin);
                     FecStorage* policy = policy_of(webrtcbin);
                     if (!policy) return;
                     g_object_set(storage, "size-time", size_for(webrtcbin, policy->fec.load()), nullptr);
                   }),
                   webrtcbin);
}

void storage_follows_description(GstElement* webrtcbin, const std::string& sdp) {
  FecStorage* policy = policy_of(webrtcbin);
  if (!policy) return;
  const bool fec = names_ulpfec(sdp);
  policy->fec.store(fec);
  const guint64 size = size_for(webrtcbin, fec);
  g_autoptr(GstIterator) it = gst_bin_iterate_all_by_element_factory_name(GST_BIN(webrtcbin), "rtpstorage");
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    g_object_set(g_value_get_object(&item), "size-time", size, nullptr);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  GST_DEBUG_OBJECT(webrtcbin, "packet storage: %s", fec ? "kept for FEC" : "none (no FEC negotiated)");
}

}  // namespace convene::media
