// How every test and bench webrtcbin gathers: on one named address only
// (libnice leaves loopback out unless it is named) and without libnice's
// UPnP port-mapping attempts, which cost each agent a thread and SSDP
// traffic for a router that is not there.
//
// Threads: call before the webrtcbin starts gathering (any thread).
#pragma once

#include <gst/gst.h>

namespace convene::testing {

void gather_only_on(GstElement* webrtcbin, const char* address);

}  // namespace convene::testing
