#include "media/feedback_signal.h"

namespace convene::media {

namespace {

using Handler = std::function<void(const FeedbackMessage&)>;

void on_message(GObject* session, guint type, guint fbtype, guint /*sender_ssrc*/, guint media_ssrc,
                GstBuffer* fci, gpointer handler) {
  (*static_cast<Handler*>(handler))(FeedbackMessage{session, type, fbtype, media_ssrc, fci});
}

}  // namespace

void on_feedback_rtcp(GstElement* rtpsession, std::function<void(const FeedbackMessage&)> handle) {
  g_autoptr(GObject) session = nullptr;
  g_object_get(rtpsession, "internal-session", &session, nullptr);
  if (!session) return;
  g_signal_connect_data(session, "on-feedback-rtcp", G_CALLBACK(on_message), new Handler(std::move(handle)),
                        [](gpointer handler, GClosure*) { delete static_cast<Handler*>(handler); },
                        static_cast<GConnectFlags>(0));
}

}  // namespace convene::media
