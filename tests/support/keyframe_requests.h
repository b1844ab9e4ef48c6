// An RTCP compound packet of keyframe requests, as a receiver sends them:
// an empty receiver report from `sender`, a PLI about each SSRC in `plis`,
// and one FIR naming each SSRC in `firs` (RFC 4585, RFC 5104).
#pragma once

#include <gst/gst.h>

#include <vector>

namespace convene::testing {

GstBuffer* keyframe_requests(guint32 sender, const std::vector<guint32>& plis, const std::vector<guint32>& firs = {});

}  // namespace convene::testing
