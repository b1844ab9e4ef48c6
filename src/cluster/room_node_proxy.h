// REST that must run where a room's call lives (recording, egress, WHIP, the
// room's media...) answered by every node of a cluster. A route is bound here
// once (`bind`); a request for it asks "does this room live on another live
// node?" and, if so, is forwarded there — same method, path, query, body and
// end-to-end headers (Authorization and cookies included: every node checks
// tokens with the shared secret) — and the answer is relayed unchanged
// (status, body, Content-Type and the headers a client acts on). Otherwise the
// route's own handler runs here, as on a single node.
//
// A room placed nowhere runs here (Unplaced::RunHere: the handler answers,
// e.g. 409 no_media), or is first placed like a join (Unplaced::Place: a WHIP
// publisher starts a call, which then lives on the node the claim chose).
//
// A forwarded request carries X-Convene-Forwarded-By; the node receiving it
// never forwards it again (answers 421 if the room moved meanwhile), so two
// nodes with different views cannot bounce a request between them.
//
// Implemented as a request filter: handlers and their route registration stay
// as they are, and binding another route (WHEP) is one line in ClusterModule.
//
// Threads: main loop; the libsoup client session is async on the main context.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

#include "http/router.h"
#include "http/server.h"
#include "signaling/join_gate.h"
#include "util/gobject_ptr.h"

namespace convene::cluster {

class RoomNodeProxy {
 public:
  using Where = std::function<void(signaling::JoinPlace::Kind, std::string node_url)>;
  // `owner_of`: the node carrying a room, without claiming (Placement::owner_of).
  // `place`: the same, placing an unplaced room like a join (Placement::locate).
  RoomNodeProxy(http::Server& http, std::string node_id, std::function<void(const std::string& room_id, Where)> owner_of,
                std::function<void(const std::string& room_id, Where)> place);
  ~RoomNodeProxy();
  RoomNodeProxy(const RoomNodeProxy&) = delete;
  RoomNodeProxy& operator=(const RoomNodeProxy&) = delete;

  enum class Unplaced { RunHere, Place };
  // METHOD + pattern (as registered with http::Server::route) runs on the node
  // of the room named by the pattern's `room_param` (":id" → "id").
  void bind(const std::string& method, const std::string& pattern, const std::string& room_param,
            Unplaced unplaced = Unplaced::RunHere);

  // The request header that marks a forwarded request.
  static constexpr const char* kForwardedBy = "X-Convene-Forwarded-By";
  // How long a forwarded request may take (a recording's stop waits for its file).
  static constexpr int kTimeoutSec = 60;

 private:
  bool filter(const http::ExchangePtr& ex);
  void route(const http::ExchangePtr& ex, const std::string& room_param, Unplaced unplaced);
  void run_here(const http::ExchangePtr& ex);
  void forward(const http::ExchangePtr& ex, const std::string& node_url);
  static void relay(GObject* session, GAsyncResult* result, gpointer pending);

  http::Server& http_;
  std::string node_id_;
  std::function<void(const std::string&, Where)> owner_of_;
  std::function<void(const std::string&, Where)> place_;
  http::Router bound_;  // the bound routes; each handler decides where its request runs
  GObjectPtr<SoupSession> session_;
  GObjectPtr<GCancellable> cancellable_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace convene::cluster
