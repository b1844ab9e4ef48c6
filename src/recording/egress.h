// One live stream of a room's composite to the outside: RTMP to a receiver
// (YouTube/Twitch style) or HLS into a directory Convene serves.
//
// RTMP reconnects with exponential backoff (1 s, 2 s, 4 s ... up to
// max_backoff_sec) when the receiver drops or refuses, and reports its
// status: CONNECTING → LIVE (the receiver acknowledged bytes), RETRYING
// after an error, FAILED after max_retries consecutive failures (0: never).
// HLS is LIVE once its playlist exists.
//
// Threads: main loop only (timers and the output's bus watch run there).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "recording/encoder_output.h"
#include "recording/room_composite.h"
#include "util/gobject_ptr.h"
#include "util/json.h"

namespace convene::recording {

class Egress {
 public:
  enum class Status { Connecting, Live, Retrying, Failed };
  struct Settings {
    int max_retries = 10;
    int max_backoff_sec = 30;
  };
  // `description`: the expanded pipeline; `composite`: the room's composite
  // (outlives this egress); `changed`: told every status change.
  Egress(std::string id, std::string room_id, std::string kind, std::string target, std::string description,
         Settings settings, RoomComposite& composite, std::function<void(Egress&)> changed);
  ~Egress();
  Egress(const Egress&) = delete;
  Egress& operator=(const Egress&) = delete;

  void start();
  const std::string& id() const { return id_; }
  const std::string& room_id() const { return room_id_; }
  const std::string& kind() const { return kind_; }
  const std::string& target() const { return target_; }  // RTMP URL or HLS directory
  Status status() const { return status_; }
  const std::string& last_error() const { return last_error_; }
  int attempts() const { return attempts_; }
  static const char* status_name(Status s);
  // {id, roomId, kind, status, error?}
  json::Object to_json() const;

  // View link for HLS (empty: members only).
  std::string view_token;
  std::string created_by;

 private:
  void connect();
  void failed(const std::string& error);
  void drop_output();
  void set_status(Status s);
  bool check_live();

  std::string id_, room_id_, kind_, target_, description_;
  Settings settings_;
  RoomComposite& composite_;
  std::function<void(Egress&)> changed_;
  std::unique_ptr<EncoderOutput> output_;
  Status status_ = Status::Connecting;
  std::string last_error_;
  int failures_ = 0;  // consecutive, reset when LIVE
  int attempts_ = 0;
  GSourcePtr retry_timer_;
  GSourcePtr poll_timer_;
  GSourcePtr failure_idle_;
};

}  // namespace convene::recording
