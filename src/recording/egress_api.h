// Live streams of a room's composite: the REST API of egress (issue #6) and
// the HLS files it writes, and the running Egress objects.
//
//   POST   /rooms/:id/egress                  {kind:"rtmp",url} | {kind:"hls",viewLink?}
//   GET    /rooms/:id/egress[/:eid]           members (URLs only for hosts)
//   DELETE /rooms/:id/egress/:eid             host/co-host
//   GET    /live/:roomId/:file                HLS playlist and segments
//
// Threads: main loop only; GStreamer threads only inside Egress's output.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "http/server.h"
#include "metrics/server_metrics.h"
#include "recording/egress.h"
#include "recording/member_check.h"
#include "recording/pipeline_library.h"
#include "recording/room_composites.h"

namespace convene::signaling {
class SignalingModule;
}

namespace convene::recording {

class EgressApi {
 public:
  struct Collaborators {
    http::Server& http;
    const MemberCheck& members;
    RoomComposites& composites;
    const PipelineLibrary* pipelines = nullptr;  // null: recording and streaming are turned off
    std::string hls_directory;
    Egress::Settings settings;
    signaling::SignalingModule* signaling = nullptr;  // hosts hear of status changes
    metrics::ServerMetrics* metrics = nullptr;        // egress by status
    // An egress of the room ended or failed: its composite may go.
    std::function<void(const std::string& room_id)> released;
  };
  explicit EgressApi(Collaborators with);
  ~EgressApi();
  EgressApi(const EgressApi&) = delete;
  EgressApi& operator=(const EgressApi&) = delete;

  // Whether a running egress (one not FAILED) needs the room's composite.
  bool holds(const std::string& room_id) const;
  // Whether `token` is the view link of the room's HLS stream (who holds it
  // may watch the room without signing in, over HLS or WHEP).
  bool valid_view_token(const std::string& room_id, const std::string& token) const;
  void stop_room(const std::string& room_id);
  // Stops every egress and refuses new ones (503): the server is going down.
  void shut_down();

 private:
  void start(http::ExchangePtr ex);
  void list(http::ExchangePtr ex);
  void get(http::ExchangePtr ex);
  void remove(http::ExchangePtr ex);
  void live_file(http::ExchangePtr ex);
  void changed(Egress& e);
  void stop(const std::string& egress_id);

  const MemberCheck& members_;
  RoomComposites& composites_;
  const PipelineLibrary* pipelines_;
  std::string hls_directory_;
  Egress::Settings settings_;
  signaling::SignalingModule* signaling_;
  metrics::ServerMetrics* metrics_;
  std::function<void(const std::string&)> released_;
  std::map<std::string, std::unique_ptr<Egress>> egresses_;  // by egress id
  bool shutting_down_ = false;
  uint64_t metrics_collector_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // weak copies tell posted work we are gone
};

}  // namespace convene::recording
