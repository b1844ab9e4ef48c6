#include "media/active_speaker.h"

namespace convene::media {

namespace {
constexpr double kSmoothing = 0.4;     // weight of the newest reading
constexpr int64_t kStaleMs = 1000;     // a peer with no reading this long is silent
}  // namespace

std::string ActiveSpeakerDetector::loudest(int64_t now_ms) const {
  std::string best;
  double best_db = threshold_db_;
  for (const auto& [id, p] : peers_) {
    if (now_ms - p.last_ms > kStaleMs) continue;
    if (p.smoothed_db > best_db) {
      best_db = p.smoothed_db;
      best = id;
    }
  }
  return best;
}

std::optional<std::string> ActiveSpeakerDetector::update(const std::string& peer_id, double level_db,
                                                         int64_t now_ms) {
  Peer& p = peers_[peer_id];
  p.smoothed_db = p.last_ms == 0 ? level_db : kSmoothing * level_db + (1 - kSmoothing) * p.smoothed_db;
  p.last_ms = now_ms;

  std::string best = loudest(now_ms);
  // Silence keeps the last speaker highlighted, as meeting products do.
  if (best.empty() || best == current_) {
    candidate_.clear();
    return std::nullopt;
  }
  if (best != candidate_) {
    candidate_ = best;
    candidate_since_ms_ = now_ms;
  }
  if (current_.empty() || now_ms - candidate_since_ms_ >= hold_ms_) {
    current_ = best;
    candidate_.clear();
    return current_;
  }
  return std::nullopt;
}

void ActiveSpeakerDetector::remove(const std::string& peer_id) {
  peers_.erase(peer_id);
  if (candidate_ == peer_id) candidate_.clear();
  if (current_ == peer_id) current_.clear();
}

}  // namespace convene::media
