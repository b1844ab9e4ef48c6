// Linking and unlinking inside a running pipeline.
//
// Threads: called on the main loop. The idle probe's callback runs on the
// streaming thread that last pushed through the pad (or at once on the
// caller's thread when nothing is flowing); `done` always runs later on the
// main loop.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <vector>

#include "util/gobject_ptr.h"
#include "util/gst_object_ptr.h"

namespace convene::media {

// Unlinks `src` from its peer once no buffer is passing through it, then runs
// `done` on the main loop (where the pad may be released).
void unlink_when_idle(GstPad* src, std::function<void()> done);

// Takes `element` out of the pipeline's state changes and sets it to NULL:
// its pads go flushing, so a push blocked inside it returns.
void stop_element(GstElement* element);
// stop_element(), then out of its bin (no-op for nullptr).
void remove_from_bin(GstElement* element);
// Unlinks a tee's src pad from its peer now and releases it. A push racing
// this sees NOT_LINKED, which a tee with allow-not-linked ignores.
void release_tee_pad(GstElement* tee, GstPad* pad);

// The name of the factory that made `element` ("" for one made without a
// factory, such as a bin built in code).
const char* factory_name(GstElement* element);

// The first direct child of `bin` made by `factory` (a new reference), or
// nullptr: e.g. the rtpbin inside a webrtcbin, which has no stable name.
GstElement* child_by_factory(GstBin* bin, const char* factory);

// Every element inside `bin`, at any depth. A walk another thread interrupts
// by changing the bin starts again, so nothing that was there all along is
// missed and nothing is counted twice.
std::vector<GstObjectPtr<GstElement>> descendants(GstBin* bin);

// Every element made by `factory` inside `bin`, at any depth (e.g. the
// rtpstorage of each of a webrtcbin's sessions). A walk another thread
// interrupts by changing the bin starts again, so nothing that was there all
// along is missed.
std::vector<GstObjectPtr<GstElement>> descendants_by_factory(GstBin* bin, const char* factory);

}  // namespace convene::media
