// rtpsession's "on-feedback-rtcp" signal, handed to C++ code: each RTCP
// feedback message (RFC 4585: NACK, PLI, FIR, ...) a connection receives.
//
// Threads: the handler runs on rtpsession's RTCP receiving thread, with
// rtpsession's lock let go, before rtpsession decides anything about the
// message.
#pragma once

#include <gst/gst.h>

#include <functional>

namespace convene::media {

struct FeedbackMessage {
  GObject* session;  // rtpsession's internal session, which received it
  guint type;        // GST_RTCP_TYPE_RTPFB or GST_RTCP_TYPE_PSFB
  guint fbtype;      // GST_RTCP_RTPFB_TYPE_NACK, GST_RTCP_PSFB_TYPE_PLI, ...
  guint media_ssrc;  // the stream it is about
  GstBuffer* fci;    // its feedback control information, or null
};

// Calls `handle` with each feedback message the internal session of
// `rtpsession` receives, for as long as the session lives. Nothing when it
// has none. Handlers that must not outlive their owner hold it weakly.
void on_feedback_rtcp(GstElement* rtpsession, std::function<void(const FeedbackMessage&)> handle);

}  // namespace convene::media
