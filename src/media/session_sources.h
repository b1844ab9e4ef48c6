// What an rtpsession knows of each of its sources.
//
// Threads: any. rtpsession builds its "stats" structure under its own lock;
// the walk reads that copy.
#pragma once

#include <gst/gst.h>

#include <functional>

namespace convene::media {

// Calls `visit` with each source's structure of rtpsession's "source-stats"
// ("internal", "have-sr", "sent-nack-count", ...); nothing when `session`
// has no stats.
void for_each_source(GObject* session, const std::function<void(const GstStructure*)>& visit);

// The rtpsession of `webrtcbin`'s bundled connection (a new reference), or
// nullptr before webrtcbin has made its rtpbin.
GObject* bundled_session(GstElement* webrtcbin);

}  // namespace convene::media
