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
  guint64 size_with_fec = 0;  // webrtcbin's, read when the policy was installed
};

FecStorage* policy_of(GstElement* webrtcbin) {
  return static_cast<FecStorage*>(g_object_get_data(G_OBJECT(webrtcbin), kFecStorageData));
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
  auto* policy = new FecStorage();
  // Read now, before webrtcbin runs any operation: later, its properties
  // wait for the lock its operations hold.
  guint latency_ms = 0;
  g_object_get(webrtcbin, "latency", &latency_ms, nullptr);
  policy->size_with_fec = (latency_ms + kWebrtcbinExtraMs) * GST_MSECOND;
  g_object_set_data_full(G_OBJECT(webrtcbin), kFecStorageData, policy,
                         [](gpointer data) { delete static_cast<FecStorage*>(data); });
  // After webrtcbin's own handler (connected when it made rtpbin), which
  // sizes it for FEC. This runs on webrtcbin's thread while it applies a
  // description, holding its lock: it must not ask webrtcbin anything.
  g_signal_connect(rtpbin, "new-storage", G_CALLBACK(+[](GstElement*, GstElement* storage, guint, gpointer data) {
                     if (!static_cast<FecStorage*>(data)->fec.load()) g_object_set(storage, "size-time", guint64{0}, nullptr);
                   }),
                   policy);
}

void storage_follows_description(GstElement* webrtcbin, const std::string& sdp) {
  FecStorage* policy = policy_of(webrtcbin);
  if (!policy) return;
  const bool fec = names_ulpfec(sdp);
  policy->fec.store(fec);
  const guint64 size = fec ? policy->size_with_fec : 0;
  // webrtcbin may be adding a session's storage on its own thread meanwhile:
  // the walk starts again if so, and new-storage sizes any made after it.
  for (const auto& storage : descendants_by_factory(GST_BIN(webrtcbin), "rtpstorage"))
    g_object_set(storage.get(), "size-time", size, nullptr);
  GST_DEBUG_OBJECT(webrtcbin, "packet storage: %s", fec ? "kept for FEC" : "none (no FEC negotiated)");
}

}  // namespace convene::media
