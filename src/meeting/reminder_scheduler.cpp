#include "meeting/reminder_scheduler.h"

#include <algorithm>
#include <set>

#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_meeting_debug

namespace convene::meeting {

std::vector<DueReminder> claim_due_reminders(store::Connection& c, int64_t now_ms,
                                             const std::vector<int>& minutes_before) {
  std::vector<int> offsets = minutes_before;
  std::sort(offsets.begin(), offsets.end());  // 5, 15: the nearest window first
  std::vector<DueReminder> due;
  if (offsets.empty()) return due;
  int64_t horizon = now_ms + static_cast<int64_t>(offsets.back()) * 60000;
  auto rooms = c.exec(
      "SELECT r.id, r.name, r.invite_code, r.scheduled_at, r.host_id, u.email AS host_email FROM rooms r"
      " JOIN users u ON u.id = r.host_id"
      " WHERE r.scheduled_at IS NOT NULL AND r.scheduled_at > $1 AND r.scheduled_at <= $2"
      " AND r.is_active = 1 AND r.ended_at IS NULL",
      {now_ms, horizon});
  for (size_t i = 0; i < rooms.size(); ++i) {
    auto row = rooms.row(i);
    int64_t start = row.integer("scheduled_at");
    // The reminder whose window we are in: the smallest offset still ahead of now.
    int current = -1;
    for (int m : offsets)
      if (start - static_cast<int64_t>(m) * 60000 <= now_ms) {
        current = m;
        break;
      }
    if (current < 0) continue;
    bool claimed_current = false;
    for (int m : offsets) {
      if (m < current) continue;  // later windows, not yet due
      auto ins = c.exec(
          "INSERT INTO reminders_sent (room_id, minutes_before, sent_at) VALUES ($1, $2, $3)"
          " ON CONFLICT DO NOTHING",
          {row.text("id"), m, now_ms});
      if (m == current && ins.affected == 1) claimed_current = true;
    }
    if (!claimed_current) continue;

    DueReminder r;
    r.room_id = row.text("id");
    r.room_name = row.text("name");
    r.invite_code = row.text("invite_code");
    r.scheduled_at = start;
    r.minutes_before = current;
    std::set<std::string> emails = {row.text("host_email")};
    std::set<std::string> users = {row.text("host_id")};
    auto inv = c.exec(
        "SELECT i.email, u.id AS user_id FROM room_invitations i LEFT JOIN users u ON u.email = i.email"
        " WHERE i.room_id = $1",
        {r.room_id});
    for (size_t k = 0; k < inv.size(); ++k) {
      emails.insert(inv.row(k).text("email"));
      if (auto uid = inv.row(k).opt_text("user_id")) users.insert(*uid);
    }
    r.emails.assign(emails.begin(), emails.end());
    r.user_ids.assign(users.begin(), users.end());
    due.push_back(std::move(r));
  }
  return due;
}

ReminderScheduler::ReminderScheduler(store::Store& store, const Mailer& mailer, std::vector<int> minutes_before,
                                     std::string public_url)
    : store_(store), mailer_(mailer), minutes_before_(std::move(minutes_before)), public_url_(std::move(public_url)) {}

void ReminderScheduler::tick(std::function<void(size_t)> done) {
  auto offsets = minutes_before_;
  store_.run<std::vector<DueReminder>>(
      [offsets](store::Connection& c) {
        return c.transaction([&] { return claim_due_reminders(c, timeutil::now_ms(), offsets); });
      },
      [this, done](store::Outcome<std::vector<DueReminder>> out) {
        if (!out.ok()) {
          GST_WARNING("reminder check failed: %s", out.error().what());
          if (done) done(0);
          return;
        }
        for (const auto& r : out.value()) deliver(r);
        if (done) done(out.value().size());
      });
}

void ReminderScheduler::deliver(const DueReminder& r) {
  std::string link = public_url_ + "/join/" + r.invite_code;
  GST_INFO("reminder: '%s' starts in %d minutes", r.room_name.c_str(), r.minutes_before);
  if (notifier_) {
    for (const auto& uid : r.user_ids) {
      json::Object msg;
      msg.set("type", "reminder")
          .set("roomId", r.room_id)
          .set("name", r.room_name)
          .set("minutesBefore", r.minutes_before)
          .set_time("scheduledAt", r.scheduled_at)
          .set("joinUrl", link);
      notifier_->notify_user(uid, std::move(msg));
    }
  }
  if (!mailer_.enabled() || r.emails.empty()) return;
  Email mail;
  mail.to = r.emails;
  mail.subject = "Reminder: " + r.room_name + " starts in " + std::to_string(r.minutes_before) + " minutes";
  mail.text = "\"" + r.room_name + "\" starts at " + timeutil::iso8601_from_ms(r.scheduled_at) +
              " (in " + std::to_string(r.minutes_before) + " minutes).\n\nJoin: " + link + "\n";
  mailer_.send(std::move(mail), [room = r.room_id](std::string error) {
    if (!error.empty()) GST_WARNING("reminder e-mail for room %s failed: %s", room.c_str(), error.c_str());
  });
}

}  // namespace convene::meeting
