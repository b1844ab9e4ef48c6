// What the SFU shows on GET /metrics, read at scrape time from what media
// already keeps: MediaRoom::stats() and tracks(), the forwarders' counters
// (packets/bytes forwarded and dropped, keyframe requests), packets received
// per publication, the SFU latency histogram, subscriptions' loss.
//
// Rooms come and go but counters must not go down: a room's figures are read
// once more as it closes and kept; a forwarder or publication that goes away
// while its room lives keeps what it had at the last scrape (or sample).
// Two samples need time, so a main-loop timer runs while rooms exist: the
// receiver-reported loss of each forwarded stream once a second, and, every
// 100 ms, whether a peer that has something to receive got its first packet
// (join → first frame, measured on the server).
//
// Threads: the hooks and the collector run on the main loop; forwarders may
// be finalized on any thread (a weak reference, under a mutex).
#pragma once

#include <string>

namespace convene::metrics {
class Collection;
}

namespace convene::media {

class MediaRoom;

// Hooks MediaRoom calls (one line each).
void metrics_room_opened(MediaRoom& room);
void metrics_room_closing(MediaRoom& room);
void metrics_participant_added(MediaRoom& room, const std::string& peer_id);
void metrics_pipeline_error();

// Adds the SFU's samples; register with Registry::add_collector.
void collect_media_metrics(metrics::Collection& c);

}  // namespace convene::media
