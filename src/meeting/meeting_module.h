// Meeting features over REST and timers: transcripts, AI summaries and reply
// suggestions, e-mail invitations, reminders before scheduled meetings, and
// ending instant meetings nobody uses any more.
//
// Threads: main loop; store work through Store::run; e-mail on GTask threads.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "http/public_url.h"
#include "http/server.h"
#include "store/store.h"
#include "util/module.h"
#include "auth/authenticator.h"
#include "meeting/ai_assistant.h"
#include "meeting/mailer.h"
#include "meeting/reminder_scheduler.h"
#include "http/rate_limiter.h"

namespace convene::meeting {

class MeetingModule final : public util::Module {
 public:
  // `public_url_of`: the server's URL as a request sees it (invitation links);
  // `public_url`: the same without a request (links in reminder e-mails).
  MeetingModule(const config::Config& config, store::Store& store, http::Server& http,
                const auth::Authenticator& authenticator, http::PublicUrlOf public_url_of,
                const std::string& public_url);
  ~MeetingModule() override;

  // Signaling hands over what it can deliver to users' open connections.
  void set_notifier(UserNotifier* notifier) { reminders_->set_notifier(notifier); }
  // Stores one final caption line of a room's transcript.
  void record_caption(const std::string& room_id, const std::string& user_id, const std::string& speaker,
                      const std::string& text);
  // Called with the ids of rooms the janitor ended (rooms module closes their live state).
  void set_room_ended_listener(std::function<void(const std::string& room_id)> listener) {
    room_ended_ = std::move(listener);
  }

  const Mailer& mailer() const { return mailer_; }
  void check_reminders_now(std::function<void(size_t)> done = {}) { reminders_->tick(std::move(done)); }

  void shutdown(std::function<void()> done) override;

 private:
  void transcript(http::ExchangePtr ex);
  void questions(http::ExchangePtr ex);
  void summary(http::ExchangePtr ex);
  void suggest(http::ExchangePtr ex);
  void invite(http::ExchangePtr ex);
  void end_idle_rooms();
  // Looks the room up for the caller and runs `then` when they are a member.
  void with_member_access(const http::ExchangePtr& ex, const std::string& room_id, bool host_only,
                          std::function<void(const struct RoomAccess&, const auth::AuthUser&)> then);

  // AI calls cost money or CPU: limited per user, on top of the per-IP limit.
  void limit_ai_per_user(const http::ExchangePtr& ex);

  store::Store& store_;
  const auth::Authenticator& authenticator_;
  http::PublicUrlOf public_url_of_;
  bool ai_limits_on_;
  http::RateLimiter ai_limiter_;
  int64_t ai_per_user_per_min_;
  Mailer mailer_;
  AiAssistant ai_;
  std::unique_ptr<ReminderScheduler> reminders_;
  std::function<void(const std::string&)> room_ended_;
  guint reminder_timer_ = 0;
  guint janitor_timer_ = 0;
  int64_t idle_ms_;
};

}  // namespace convene::meeting
