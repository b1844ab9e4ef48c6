// A WHEP viewer written with webrtcbin: offers to receive VP8 video and Opus
// audio (recvonly), POSTs its offer over HTTP with every candidate in it (no
// trickle), applies the answer and counts what arrives: video frames decoded
// (or, without decoding, depayloaded), audio buffers. Gathers on 127.0.0.1
// only.
//
// Threads: the test's thread drives it; webrtcbin's promises are waited for
// in place; the counters are updated on streaming threads (atomics).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <map>
#include <string>

#include "http_client.h"

namespace convene::testing {

struct WhepClientOptions {
  bool video = true;
  bool audio = true;
  bool decode = true;  // false: count depayloaded frames (cheap, for many viewers)
  // Called on a streaming thread for each decoded video frame (bench: reads the picture).
  void (*on_frame)(GstBuffer* buffer, GstCaps* caps, void* data) = nullptr;
  void* on_frame_data = nullptr;
};

class WhepClient {
 public:
  explicit WhepClient(WhepClientOptions options = {});
  ~WhepClient();
  WhepClient(const WhepClient&) = delete;
  WhepClient& operator=(const WhepClient&) = delete;

  // The recvonly offer with every local candidate ("" when webrtcbin failed).
  std::string offer();
  // POSTs the offer to `base_url` + `path` (e.g. "/whep/<room>?view=<token>");
  // on 201 applies the answer. The response as it came.
  Response play(const std::string& base_url, const std::string& path,
                const std::map<std::string, std::string>& headers = {});
  // DELETE of the session's Location.
  Response stop(const std::string& base_url);
  // Goes away without a word (as a closed tab does): the pipeline stops.
  void vanish();
  const std::string& location() const { return location_; }

  int video_frames() const { return video_frames_.load(); }
  int audio_buffers() const { return audio_buffers_.load(); }
  int width() const { return width_.load(); }

 private:
  static void on_pad_added(GstElement* webrtc, GstPad* pad, gpointer self);
  WhepClientOptions options_;
  GstElement* pipeline_;
  GstElement* webrtc_;
  std::string location_;
  std::atomic<int> video_frames_{0};
  std::atomic<int> audio_buffers_{0};
  std::atomic<int> width_{0};
};

}  // namespace convene::testing
