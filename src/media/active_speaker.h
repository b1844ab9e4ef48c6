// Who is speaking, from audio levels: the loudest participant above a
// threshold becomes the active speaker once it has stayed loudest for a short
// while, so a cough or a crosstalk blip does not flip the highlight.
// GStreamer-free, so it is tested with tables.
//
// Threads: main loop only (fed from the room's bus).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace convene::media {

class ActiveSpeakerDetector {
 public:
  explicit ActiveSpeakerDetector(double threshold_db = -50, int64_t hold_ms = 300)
      : threshold_db_(threshold_db), hold_ms_(hold_ms) {}

  // One level reading (dBov, 0 = loudest) of a peer's microphone; returns the
  // new active speaker when this reading changes it.
  std::optional<std::string> update(const std::string& peer_id, double level_db, int64_t now_ms);
  // A peer stopped sending (left, muted): forget it.
  void remove(const std::string& peer_id);
  const std::string& current() const { return current_; }

 private:
  struct Peer {
    double smoothed_db = -127;
    int64_t last_ms = 0;
  };
  std::string loudest(int64_t now_ms) const;

  double threshold_db_;
  int64_t hold_ms_;
  std::map<std::string, Peer> peers_;
  std::string current_;
  std::string candidate_;
  int64_t candidate_since_ms_ = 0;
};

}  // namespace convene::media
