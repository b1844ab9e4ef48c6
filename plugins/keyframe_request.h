// An upstream GstForceKeyUnit event that a webrtcbin turns into RTCP FIR or
// PLI towards the sender. Each one carries a new count: rtpsession only
// advances the FIR sequence number when the count changes, and a sender
// (Chromium, GStreamer alike) ignores a FIR whose sequence number it has
// already seen, so repeating a count makes every request after the first
// one a no-op.
//
// Threads: any.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GstEvent* convene_keyframe_request_new(void);

G_END_DECLS
