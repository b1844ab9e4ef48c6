#include "meeting/meeting_module.h"

#include <regex>

#include "auth/auth_module.h"
#include "http/error.h"
#include "meeting/ics.h"
#include "meeting/meeting_repository.h"
#include "meeting/question_repository.h"
#include "rooms/room_access.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_meeting_debug

namespace convene::meeting {
namespace {

SmtpSettings smtp_settings(const config::Config& c) {
  return {c.get_string("smtp", "url"), c.get_string("smtp", "user"), c.get_string("smtp", "password"),
          c.get_string("smtp", "from"), c.get_string("smtp", "starttls"),
          static_cast<int>(c.get_int("smtp", "timeout_sec"))};
}

AiSettings ai_settings(const config::Config& c) {
  return {c.get_string("ai", "provider"), c.get_string("ai", "url"), c.get_string("ai", "model"),
          c.get_string("ai", "api_key"), static_cast<int>(c.get_int("ai", "timeout_sec"))};
}

std::vector<int> reminder_offsets(const config::Config& c) {
  std::vector<int> out;
  for (auto& m : c.get_list("meeting", "reminder_minutes")) {
    int v = static_cast<int>(g_ascii_strtoll(m.c_str(), nullptr, 10));
    if (v > 0) out.push_back(v);
  }
  return out;
}

json::Array string_array(const std::vector<std::string>& items) {
  json::Array a;
  for (auto& s : items) a.add(std::string_view(s));
  return a;
}


}  // namespace

MeetingModule::MeetingModule(const config::Config& config, store::Store& store, http::Server& http,
                             const auth::Authenticator& authenticator, http::PublicUrlOf public_url_of,
                             const std::string& public_url)
    : store_(store),
      authenticator_(authenticator),
      public_url_of_(std::move(public_url_of)),
      ai_limits_on_(config.get_bool("ratelimit", "enabled")),
      ai_per_user_per_min_(config.get_int("ratelimit", "ai_per_user_per_min")),
      mailer_(smtp_settings(config)),
      ai_(ai_settings(config)),
      idle_ms_(config.get_int("meeting", "idle_end_min") * 60000) {
  const auto& provider = ai_.settings().provider;
  if (provider != "local" && provider != "openai-compatible")
    throw config::Error("configuration key [ai] provider must be local or openai-compatible, got '" + provider + "'");
  reminders_ = std::make_unique<ReminderScheduler>(store, mailer_, reminder_offsets(config), public_url);
  http.route("GET", "/rooms/:id/transcript", [this](http::ExchangePtr ex) { transcript(ex); });
  http.route("GET", "/rooms/:id/questions", [this](http::ExchangePtr ex) { questions(ex); });
  http.route("POST", "/ai/summary", [this](http::ExchangePtr ex) { summary(ex); });
  http.route("POST", "/ai/suggest", [this](http::ExchangePtr ex) { suggest(ex); });
  http.route("POST", "/rooms/:id/invite", [this](http::ExchangePtr ex) { invite(ex); });

  guint reminder_sec = static_cast<guint>(std::max<int64_t>(1, config.get_int("meeting", "reminder_check_sec")));
  reminder_timer_ = g_timeout_add_seconds(reminder_sec, [](gpointer self) -> gboolean {
    static_cast<MeetingModule*>(self)->reminders_->tick();
    return G_SOURCE_CONTINUE;
  }, this);
  guint janitor_sec = static_cast<guint>(std::max<int64_t>(1, config.get_int("meeting", "idle_check_sec")));
  janitor_timer_ = g_timeout_add_seconds(janitor_sec, [](gpointer self) -> gboolean {
    static_cast<MeetingModule*>(self)->end_idle_rooms();
    return G_SOURCE_CONTINUE;
  }, this);
  if (!mailer_.enabled()) GST_INFO("[smtp] url is not set: invitations and reminder e-mails are off");
}

MeetingModule::~MeetingModule() {
  if (reminder_timer_) g_source_remove(reminder_timer_);
  if (janitor_timer_) g_source_remove(janitor_timer_);
}

void MeetingModule::shutdown(std::function<void()> done) {
  if (reminder_timer_) g_source_remove(reminder_timer_);
  if (janitor_timer_) g_source_remove(janitor_timer_);
  reminder_timer_ = janitor_timer_ = 0;
  done();
}

void MeetingModule::with_member_access(const http::ExchangePtr& ex, const std::string& room_id, bool host_only,
                                       std::function<void(const RoomAccess&, const auth::AuthUser&)> then) {
  auto who = authenticator_.require(*ex);
  store_.run<RoomAccess>(
      [room_id, uid = who.id](store::Connection& c) { return meeting_store::room_access(c, room_id, uid); },
      ex->guard([then = std::move(then), host_only, who](store::Outcome<RoomAccess> out) {
        if (!out.ok()) throw out.error();
        const RoomAccess& a = out.value();
        if (!a.exists) throw http::not_found("no such room");
        if (!a.member) throw http::forbidden("only members of this room may do that");
        if (host_only && !a.host) throw http::forbidden("only the host or a co-host may do that");
        then(a, who);
      }));
}

void MeetingModule::record_caption(const std::string& room_id, const std::string& user_id,
                                   const std::string& speaker, const std::string& text) {
  store_.run_void(
      [=](store::Connection& c) {
        meeting_store::add_transcript_line(c, room_id, user_id, speaker, text, timeutil::now_ms());
      },
      [room_id](store::Outcome<store::Unit> out) {
        if (!out.ok()) GST_WARNING("caption for room %s not stored: %s", room_id.c_str(), out.error().what());
      });
}

void MeetingModule::transcript(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  rooms::with_admitted_member(store_, authenticator_, ex, room_id, [this, ex, room_id](const auth::AuthUser&, const rooms::MemberAccess&) {
    store_.run<std::vector<TranscriptLine>>(
        [room_id](store::Connection& c) { return meeting_store::transcript(c, room_id); },
        ex->guard([ex, room_id](store::Outcome<std::vector<TranscriptLine>> out) {
          if (!out.ok()) throw out.error();
          json::Array lines;
          for (auto& l : out.value())
            lines.add(std::move(json::Object().set("speaker", l.speaker).set("text", l.text).set_time("createdAt", l.at_ms)));
          json::Object body;
          body.set("roomId", room_id).set("lines", std::move(lines));
          ex->json(200, std::move(body));
        }));
  });
}

void MeetingModule::questions(http::ExchangePtr ex) {
  std::string room_id = ex->param("id");
  rooms::with_admitted_member(store_, authenticator_, ex, room_id, [this, ex, room_id](const auth::AuthUser& who, const rooms::MemberAccess&) {
    store_.run<std::string>(
        [room_id, uid = who.id](store::Connection& c) {
          json::Array list;
          for (auto& q : questions::list(c, room_id, uid)) list.add(q.to_json());
          return json::stringify(std::move(list).node().get());
        },
        ex->guard([ex, room_id](store::Outcome<std::string> out) {
          if (!out.ok()) throw out.error();
          json::Object body;
          body.set("roomId", room_id).set("questions", json::parse(out.value(), nullptr));
          ex->json(200, std::move(body));
        }));
  });
}

void MeetingModule::limit_ai_per_user(const http::ExchangePtr& ex) {
  if (!ai_limits_on_) return;
  auto who = authenticator_.require(*ex);
  int64_t wait_ms = ai_limiter_.hit(who.id, ai_per_user_per_min_, 60'000, timeutil::now_ms());
  if (wait_ms > 0) {
    int64_t seconds = (wait_ms + 999) / 1000;
    ex->add_header("Retry-After", std::to_string(seconds));
    throw http::Error(429, "rate_limited", "too many AI requests; try again in " + std::to_string(seconds) + " s");
  }
}

void MeetingModule::summary(http::ExchangePtr ex) {
  limit_ai_per_user(ex);
  std::string room_id = json::require_string(ex->json_body(), "roomId");
  rooms::with_admitted_member(store_, authenticator_, ex, room_id, [this, ex, room_id](const auth::AuthUser&, const rooms::MemberAccess&) {
    store_.run<std::vector<TranscriptLine>>(
        [room_id](store::Connection& c) { return meeting_store::transcript(c, room_id); },
        ex->guard([this, ex](store::Outcome<std::vector<TranscriptLine>> out) {
          if (!out.ok()) throw out.error();
          ai_.summarize(out.value(), ex->guard([ex](std::string error, Summary s) {
            if (!error.empty()) throw http::Error(502, "ai_provider_failed", error);
            json::Object body;
            body.set("keyPoints", string_array(s.key_points))
                .set("actionItems", string_array(s.action_items))
                .set("decisions", string_array(s.decisions));
            ex->json(200, std::move(body));
          }));
        }));
  });
}

void MeetingModule::suggest(http::ExchangePtr ex) {
  limit_ai_per_user(ex);
  std::string room_id = json::require_string(ex->json_body(), "roomId");
  rooms::with_admitted_member(store_, authenticator_, ex, room_id, [this, ex, room_id](const auth::AuthUser&, const rooms::MemberAccess&) {
    store_.run<std::vector<TranscriptLine>>(
        [room_id](store::Connection& c) { return meeting_store::transcript(c, room_id, 200); },
        ex->guard([this, ex](store::Outcome<std::vector<TranscriptLine>> out) {
          if (!out.ok()) throw out.error();
          ai_.suggest(out.value(), ex->guard([ex](std::string error, std::vector<std::string> replies) {
            if (!error.empty()) throw http::Error(502, "ai_provider_failed", error);
            json::Object body;
            body.set("suggestions", string_array(replies));
            ex->json(200, std::move(body));
          }));
        }));
  });
}

void MeetingModule::invite(http::ExchangePtr ex) {
  // Who asks comes first (401), then what they sent (400), then whether they
  // may (403/404), and only then whether this server can send mail (503).
  authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  JsonArray* list = json::require_array(ex->json_body(), "emails");
  static const std::regex email_re(R"(^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$)");
  std::vector<std::string> emails;
  for (guint i = 0; i < json_array_get_length(list); ++i) {
    JsonNode* n = json_array_get_element(list, i);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
      throw json::FieldError("emails", "'emails' must be a list of e-mail addresses");
    g_autofree char* lower = g_ascii_strdown(json_node_get_string(n), -1);
    std::string e = g_strstrip(lower);
    if (!std::regex_match(e, email_re)) throw json::FieldError("emails", "'" + e + "' is not an e-mail address");
    emails.push_back(e);
  }
  if (emails.empty() || emails.size() > 50) throw json::FieldError("emails", "'emails' takes 1 to 50 addresses");
  with_member_access(ex, room_id, true, [this, ex, room_id, emails](const RoomAccess& room, const auth::AuthUser& who) {
    if (!mailer_.enabled())
      throw http::Error(503, "email_not_configured", "this server cannot send e-mail: [smtp] url is not configured");
    store_.run<std::vector<std::string>>(
        [room_id, emails, uid = who.id](store::Connection& c) {
          return meeting_store::add_invitations(c, room_id, uid, emails);
        },
        ex->guard([this, ex, room, room_id, emails, who](store::Outcome<std::vector<std::string>> out) {
          if (!out.ok()) throw out.error();
          std::string link = public_url_of_(*ex) + "/join/" + room.invite_code;
          Email mail;
          mail.to = emails;
          mail.subject = who.username + " invites you to " + room.name;
          mail.text = who.username + " invites you to the meeting \"" + room.name + "\".\n\n";
          if (room.scheduled_at) mail.text += "When: " + timeutil::iso8601_from_ms(*room.scheduled_at) + "\n";
          if (room.description) mail.text += "\n" + *room.description + "\n";
          mail.text += "\nJoin: " + link + "\n";
          if (room.scheduled_at)
            mail.ics = make_ics({room_id + "@convene", room.name, room.description.value_or(""), link,
                                 room.host_email, *room.scheduled_at, room.duration_min.value_or(60)});
          mailer_.send(std::move(mail), ex->guard([ex, emails](std::string error) {
            if (!error.empty()) throw http::Error(502, "email_failed", "the invitation e-mail was not sent: " + error);
            json::Object body;
            body.set("invited", string_array(emails)).set("emailSent", true);
            ex->json(200, std::move(body));
          }));
        }));
  });
}

void MeetingModule::end_idle_rooms() {
  int64_t idle = idle_ms_;
  store_.run<std::vector<std::string>>(
      [idle](store::Connection& c) { return meeting_store::end_idle_instant_rooms(c, timeutil::now_ms(), idle); },
      [this](store::Outcome<std::vector<std::string>> out) {
        if (!out.ok()) {
          GST_WARNING("idle-room check failed: %s", out.error().what());
          return;
        }
        for (auto& id : out.value()) {
          GST_INFO("ended idle instant meeting %s", id.c_str());
          if (room_ended_) room_ended_(id);
        }
      });
}

}  // namespace convene::meeting
