// Reminders before scheduled meetings (by default 15 and 5 minutes before),
// to the host and the invitees: in-app through a UserNotifier and by e-mail.
// Each reminder is claimed in the store (reminders_sent) before it is sent,
// so it goes out once, also across restarts and several servers.
//
// Threads: tick() and the callbacks run on the main loop; the claim and the
// recipient look-up run on a store worker.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "meeting/mailer.h"
#include "store/store.h"
#include "util/json.h"

namespace convene::meeting {

// Delivers a message to every open connection of a user (signaling implements it).
class UserNotifier {
 public:
  virtual ~UserNotifier() = default;
  virtual void notify_user(const std::string& user_id, json::Object&& message) = 0;
};

struct DueReminder {
  std::string room_id;
  std::string room_name;
  std::string invite_code;
  int64_t scheduled_at = 0;
  int minutes_before = 0;
  std::vector<std::string> user_ids;  // host and invitees with an account
  std::vector<std::string> emails;    // host and invitees
};

// Finds reminders that are due at `now_ms` and claims them (inserts the
// reminders_sent rows). Only what this call claimed is returned. A reminder
// whose window has passed (server down) is claimed silently, never sent late.
std::vector<DueReminder> claim_due_reminders(store::Connection& c, int64_t now_ms,
                                             const std::vector<int>& minutes_before);

class ReminderScheduler {
 public:
  ReminderScheduler(store::Store& store, const Mailer& mailer, std::vector<int> minutes_before,
                    std::string public_url);
  void set_notifier(UserNotifier* notifier) { notifier_ = notifier; }
  // Checks once now; `done(count sent)` when the claims are handled.
  void tick(std::function<void(size_t)> done = {});

 private:
  void deliver(const DueReminder& r);

  store::Store& store_;
  const Mailer& mailer_;
  std::vector<int> minutes_before_;
  std::string public_url_;
  UserNotifier* notifier_ = nullptr;
};

}  // namespace convene::meeting
