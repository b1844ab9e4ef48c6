// Live Q&A in the store. Called on store workers only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/connection.h"
#include "util/json.h"

namespace convene::meeting {

struct Question {
  std::string id;
  std::string room_id;
  std::string user_id;
  std::string author;
  std::string text;
  bool pinned = false;
  bool answered = false;
  int64_t votes = 0;
  bool voted_by_me = false;  // relative to the user the list was read for
  int64_t created_at = 0;

  json::Object to_json() const;
};

namespace questions {

Question ask(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& author,
             const std::string& text, int64_t now_ms);
// Toggles the user's vote; returns the question after it, or nullopt when it is not in that room.
std::optional<Question> toggle_vote(store::Connection& c, const std::string& room_id, const std::string& question_id,
                                    const std::string& user_id);
// Sets pinned/answered; nullopt when the question is not in that room.
std::optional<Question> set_flag(store::Connection& c, const std::string& room_id, const std::string& question_id,
                                 const char* flag, bool value);
bool remove(store::Connection& c, const std::string& room_id, const std::string& question_id);
std::optional<Question> find(store::Connection& c, const std::string& room_id, const std::string& question_id,
                             const std::string& viewer_id = "");
// Pinned first, then by votes, then oldest first.
std::vector<Question> list(store::Connection& c, const std::string& room_id, const std::string& viewer_id = "");

}  // namespace questions
}  // namespace convene::meeting
