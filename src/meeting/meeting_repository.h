// Store access for meeting features. Called on store workers only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "meeting/summarizer.h"
#include "store/connection.h"

namespace convene::meeting {

struct RoomAccess {
  bool exists = false;
  bool member = false;  // host or a joined member
  bool host = false;    // HOST or CO_HOST
  std::string name;
  std::string invite_code;
  std::optional<int64_t> scheduled_at;
  std::optional<int64_t> duration_min;
  std::optional<std::string> description;
  std::string host_email;
};

namespace meeting_store {

RoomAccess room_access(store::Connection& c, const std::string& room_id, const std::string& user_id);

void add_transcript_line(store::Connection& c, const std::string& room_id, const std::string& user_id,
                         const std::string& speaker, const std::string& text, int64_t at_ms);
std::vector<TranscriptLine> transcript(store::Connection& c, const std::string& room_id, size_t limit = 5000);

// Records invitations; returns the addresses that were new.
std::vector<std::string> add_invitations(store::Connection& c, const std::string& room_id,
                                         const std::string& invited_by, const std::vector<std::string>& emails);

// Ends instant meetings (no schedule) idle for longer than `idle_ms`: nobody
// in the call and no activity since. Returns the ids it ended.
std::vector<std::string> end_idle_instant_rooms(store::Connection& c, int64_t now_ms, int64_t idle_ms);

}  // namespace meeting_store
}  // namespace convene::meeting
