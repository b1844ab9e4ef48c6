#include "rtp_gap_tracker.h"

#include <algorithm>

namespace convene::rtp {

void RtpGapTracker::on_packet(uint16_t seq, uint64_t now_ms, std::vector<uint16_t>* ask) {
  stats_.received++;
  if (!started_) {
    started_ = true;
    highest_ = seq;
    return;
  }
  const int16_t ahead = static_cast<int16_t>(seq - highest_);
  if (ahead > 0) {
    if (static_cast<unsigned>(ahead) > settings_.max_gap) {
      // A restarted source (or a long outage): asking for all of it would
      // only flood the sender, and nobody waits for it any more.
      pending_.clear();
    } else {
      for (uint16_t s = static_cast<uint16_t>(highest_ + 1); s != seq; ++s) {
        pending_.push_back({s, now_ms, now_ms, 1});
        ask->push_back(s);
        stats_.requests++;
      }
      while (pending_.size() > settings_.max_pending) {
        pending_.pop_front();
        stats_.lost++;
      }
    }
    highest_ = seq;
  } else {
    auto it = std::find_if(pending_.begin(), pending_.end(), [seq](const Missing& m) { return m.seq == seq; });
    if (it != pending_.end()) {
      pending_.erase(it);
      stats_.recovered++;
    } else {
      stats_.duplicates++;
    }
  }
  expire_and_retry(now_ms, ask);
}

void RtpGapTracker::expire_and_retry(uint64_t now_ms, std::vector<uint16_t>* ask) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ms - it->first_asked_ms >= settings_.give_up_ms) {
      stats_.lost++;
      it = pending_.erase(it);
      continue;
    }
    if (it->tries < settings_.max_tries && now_ms - it->last_asked_ms >= settings_.retry_ms) {
      it->tries++;
      it->last_asked_ms = now_ms;
      ask->push_back(it->seq);
      stats_.requests++;
    }
    ++it;
  }
}

}  // namespace convene::rtp
