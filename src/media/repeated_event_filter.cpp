#include "media/repeated_event_filter.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "util/log.h"
#include "util/release_with.h"

#define GST_CAT_DEFAULT convene_media_debug

namespace convene::media {

namespace {

using EventPtr = std::unique_ptr<GstEvent, ReleaseWith<gst_event_unref>>;

class RepeatedEventFilter {
 public:
  // True when `event` only repeats what already went downstream.
  bool repeats(GstEvent* event) {
    std::lock_guard<std::mutex> hold(lock_);
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_SEGMENT: {
        const GstSegment* segment = nullptr;
        gst_event_parse_segment(event, &segment);
        if (have_segment_ && gst_segment_is_equal(&segment_, segment)) return true;
        gst_segment_copy_into(segment, &segment_);
        have_segment_ = true;
        segments_passed_.fetch_add(1, std::memory_order_release);
        return false;
      }
      case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY: {
        // Holding a reference keeps the address from being reused by a new event.
        EventPtr& last = passed_[key_of(event)];
        if (last.get() == event) return true;
        last.reset(gst_event_ref(event));
        return false;
      }
      case GST_EVENT_FLUSH_STOP:
        have_segment_ = false;
        passed_.clear();
        segments_passed_.fetch_add(1, std::memory_order_release);
        return false;
      default:
        return false;
    }
  }

  const std::atomic<uint64_t>& segments_passed() const { return segments_passed_; }

 private:
  static std::string key_of(GstEvent* event) {
    const GstStructure* s = gst_event_get_structure(event);
    if (!s) return "";
    const char* mid = gst_structure_get_string(s, "mid");
    return std::string(gst_structure_get_name(s)) + "/" + (mid ? mid : "");
  }

  std::mutex lock_;
  bool have_segment_ = false;
  GstSegment segment_{};
  std::map<std::string, EventPtr> passed_;
  std::atomic<uint64_t> segments_passed_{0};
};

constexpr char kFilterData[] = "convene-repeated-event-filter";

GstPadProbeReturn on_event(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (!static_cast<RepeatedEventFilter*>(data)->repeats(event)) return GST_PAD_PROBE_OK;
  GST_LOG_OBJECT(pad, "not repeating %s", GST_EVENT_TYPE_NAME(event));
  // HANDLED, not DROP: a dropped sticky event stays pending and would be
  // tried again before the next buffer; a handled one counts as delivered.
  EventPtr handled(event);  // the probe owns it now and lets it go
  GST_PAD_PROBE_INFO_DATA(info) = nullptr;
  return GST_PAD_PROBE_HANDLED;
}

}  // namespace

void drop_repeated_sticky_events(GstPad* pad) {
  auto* filter = new RepeatedEventFilter();
  // Without a destroy function: the probe owns the filter (both go with the pad).
  g_object_set_data(G_OBJECT(pad), kFilterData, filter);
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                    on_event, filter, [](gpointer data) { delete static_cast<RepeatedEventFilter*>(data); });
}

const std::atomic<uint64_t>* segments_passed(GstPad* pad) {
  auto* filter = static_cast<RepeatedEventFilter*>(g_object_get_data(G_OBJECT(pad), kFilterData));
  return filter ? &filter->segments_passed() : nullptr;
}

}  // namespace convene::media
