// A WHIP client (RFC 9725) written with webrtcbin, as OBS is one: publishes
// test video (VP8) and Opus audio. Non-trickle: it waits for ICE gathering
// and POSTs an offer carrying every candidate, then applies the answer
// (which carries the server's). Gathers on 127.0.0.1 only.
//
// Threads: the test's thread; webrtcbin's promises are waited for in place.
#pragma once

#include <gst/gst.h>

#include <string>

#include "http_client.h"

namespace convene::testing {

struct WhipClientOptions {
  bool video = true;
  bool audio = true;
  std::string video_pattern = "ball";
  std::string video_codec = "VP8";  // or "H264", constrained baseline (what OBS sends)
};

class WhipClient {
 public:
  explicit WhipClient(WhipClientOptions options = {});
  ~WhipClient();
  WhipClient(const WhipClient&) = delete;
  WhipClient& operator=(const WhipClient&) = delete;

  // The offer with every local candidate ("" when webrtcbin failed).
  std::string offer();
  // POSTs the offer to `base_url` + `path` with the key as Bearer; on 201
  // applies the answer. The response as it came.
  Response publish(const std::string& base_url, const std::string& path, const std::string& key);
  // DELETE of the session's Location.
  Response stop(const std::string& base_url);
  const std::string& location() const { return location_; }

 private:
  void add_source(const std::string& description, const char* caps);
  WhipClientOptions options_;
  GstElement* pipeline_;
  GstElement* webrtc_;
  std::string location_;
};

}  // namespace convene::testing
