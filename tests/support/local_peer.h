// A webrtcbin in process standing in for a browser, reduced to its SDP (it
// gathers on 127.0.0.1 only and never connects), and the wait loop that
// iterates the default main context where webrtcbin's results are posted.
// Shared by the in-process media tests (media_room_test, subscriber_test).
//
// Threads: the test's thread; the promises are waited for in place.
#pragma once

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API
#endif
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <string>

namespace convene::testing {

// Iterates the default main context until `done` or the timeout.
bool loop_until(int timeout_ms, const std::function<bool()>& done);

// A browser reduced to its SDP: offers to publish, answers what it is offered.
class LocalPeer {
 public:
  LocalPeer();
  ~LocalPeer();
  LocalPeer(const LocalPeer&) = delete;
  LocalPeer& operator=(const LocalPeer&) = delete;
  // A publish offer: one send-only VP8 m-line (mid "0").
  std::string publish_offer();
  // set-remote-description(offer) → create-answer → set-local-description; the answer's text ("" on failure).
  std::string answer(const std::string& offer);

 private:
  std::string describe(const char* create, const char* field, const std::string& remote_offer);
  GstElement* pipeline_;
  GstElement* webrtc_;
};

}  // namespace convene::testing
