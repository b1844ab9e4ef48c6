#include "app/media_endpoint.h"

#include "media/layer_allocation.h"
#include "media/subscriber.h"
#include "rooms/room_access.h"

namespace convene::app {

namespace {

json::Object describe(const std::string& room_id, const media::MediaRoom* room) {
  json::Object body;
  json::Array tracks;
  json::Array subscribers;
  media::MediaRoom::Stats stats;
  size_t elements = 0;
  json::Object latency;
  if (room) {
    const media::LatencyHistogram& h = *room->latency();
    latency.set("p50", h.quantile(0.5) / 1000.0)
        .set("p99", h.quantile(0.99) / 1000.0)
        .set("samples", static_cast<int64_t>(h.samples()));
    stats = room->stats();
    elements = room->element_count();
    auto received = room->packets_received();
    auto level_sources = room->level_sources();
    auto keyframe_requests = room->keyframe_requests_sent();
    for (const media::TrackInfo& t : room->tracks()) {
      json::Object track;
      track.set("id", t.id)
          .set("peerId", t.peer_id)
          .set("source", t.source)
          .set("kind", t.kind)
          .set("muted", t.muted)
          .set("packetsReceived", static_cast<int64_t>(received[t.id]));
      // Audio: where the server reads its loudness (active speaker) from.
      if (auto level = level_sources.find(t.id); level != level_sources.end()) track.set("levelFrom", level->second);
      // Video: keyframe requests that reached the publisher (all subscribers' together).
      if (auto kf = keyframe_requests.find(t.id); kf != keyframe_requests.end())
        track.set("keyframeRequestsSent", static_cast<int64_t>(kf->second));
      tracks.add(std::move(track));
    }
    for (const media::Subscriber* sub : room->subscribers()) {
      json::Array receives;
      for (const media::Subscriber::SubscriptionStats& s : sub->subscriptions()) {
        json::Array layer_bitrates;
        for (double bps : s.layer_bitrates) layer_bitrates.add(static_cast<int64_t>(bps));
        json::Object r;
        r.set("peerId", s.peer_id)
            .set("source", s.source)
            .set("kind", s.kind)
            .set("temporalLayer", static_cast<int64_t>(s.temporal_layer))
            .set("maxTemporalLayer", static_cast<int64_t>(s.max_temporal_layer))
            .set("fractionLost", s.fraction_lost)
            .set("layerBitrates", std::move(layer_bitrates))
            .set("paused", s.paused)
            .set("bytesForwarded", static_cast<int64_t>(s.bytes_forwarded))
            .set("packetsForwarded", static_cast<int64_t>(s.packets_forwarded))
            .set("keyframeRequests", static_cast<int64_t>(s.keyframe_requests))
            .set("keyframesForwarded", static_cast<int64_t>(s.keyframes_forwarded));
        // Spatial layers: null for a track of one layer (and audio).
        if (s.layered && s.layer >= 0) r.set("layer", media::spatial_layer_name(s.layer));
        else r.set_null("layer");
        if (s.layered && s.layer_wanted >= 0) r.set("layerWanted", media::spatial_layer_name(s.layer_wanted));
        else r.set_null("layerWanted");
        if (s.layered) r.set("spatialSwitches", static_cast<int64_t>(s.spatial_switches));
        if (s.has_request) {
          r.set("requestedWidth", static_cast<int64_t>(s.requested_width))
              .set("requestedHeight", static_cast<int64_t>(s.requested_height));
        } else {
          r.set_null("requestedWidth").set_null("requestedHeight");
        }
        receives.add(std::move(r));
      }
      subscribers.add(std::move(json::Object()
                                    .set("peerId", sub->peer_id())
                                    .set("estimatedBitrate", sub->remb_bps())
                                    .set("estimateBps", static_cast<int64_t>(sub->estimated_bitrate()))
                                    .set("receives", std::move(receives))));
    }
  }
  body.set("roomId", room_id)
      .set("participants", static_cast<int64_t>(stats.participants))
      .set("tracks", std::move(tracks))
      .set("subscribers", std::move(subscribers))
      .set("subscriberTracks", static_cast<int64_t>(stats.subscriber_tracks))
      .set("packetsForwarded", static_cast<int64_t>(stats.packets_forwarded))
      .set("elements", static_cast<int64_t>(elements))
      .set("forwardingLatencyMs", std::move(latency));
  return body;
}

}  // namespace

void route_media_description(http::Server& http, store::Store& store, const auth::Authenticator& authenticator,
                             const media::MediaModule& media) {
  http.route("GET", "/rooms/:id/media", [&store, &authenticator, &media](http::ExchangePtr ex) {
    std::string room_id = ex->param("id");
    rooms::with_admitted_member(store, authenticator, ex, room_id,
                                [ex, room_id, &media](const auth::AuthUser&, const rooms::MemberAccess&) {
                                  // Looked up after the store answered: the room may have gone meanwhile.
                                  ex->json(200, describe(room_id, media.room(room_id)));
                                });
  });
}

}  // namespace convene::app
