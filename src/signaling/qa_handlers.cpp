// Live Q&A (ask, upvote, pin, answered, delete) and live captions, which
// become the meeting's transcript.
#include "meeting/meeting_module.h"
#include "meeting/question_repository.h"
#include "signaling/signaling_module.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_signaling_debug

namespace convene::signaling {
namespace {

constexpr glong kMaxQuestionChars = 500;
constexpr glong kMaxCaptionChars = 1000;

const Session& in_room(MessageContext& ctx) {
  if (!ctx.session.in_room()) throw MessageError("not_in_room", "join a room first");
  return ctx.session;
}

void require_host_like(SignalingModule& sig, const Session& s) {
  if (!rooms::can_moderate(sig.role_of(s))) throw MessageError("forbidden", "only the host or a co-host can do that");
}

// Runs a question change in the store; the room hears about the result.
void apply(MessageContext& ctx, std::function<std::optional<meeting::Question>(store::Connection&)> change) {
  SignalingModule& sig = ctx.signaling;
  std::string room_id = ctx.session.room_id, request_id = ctx.request_id;
  uint64_t session_id = ctx.session.id;
  sig.store().run<std::optional<meeting::Question>>(
      std::move(change), [&sig, room_id, request_id, session_id](store::Outcome<std::optional<meeting::Question>> out) {
        Session* s = sig.session(session_id);
        if (!out.ok()) {
          if (s) sig.send_error(*s, "database_unavailable", "the question was not saved; try again", request_id);
          return;
        }
        if (!out.value()) {
          if (s) sig.send_error(*s, "unknown_question", "no such question in this room", request_id);
          return;
        }
        json::Object q = out.value()->to_json();
        sig.broadcast(room_id, std::move(json::Object().set("type", "question-updated").set("question", std::move(q))));
      });
}

std::string question_id(MessageContext& ctx) { return json::require_string(ctx.message, "questionId"); }

void ask(MessageContext& ctx) {
  const Session& s = in_room(ctx);
  std::string text = json::require_string(ctx.message, "text");
  glong n = g_utf8_strlen(text.c_str(), -1);
  if (n == 0 || n > kMaxQuestionChars || !g_utf8_validate(text.c_str(), -1, nullptr))
    throw MessageError("invalid_field", "a question is 1 to 500 characters");
  apply(ctx, [room = s.room_id, uid = s.user_id, name = s.username, text](store::Connection& c) {
    return std::optional<meeting::Question>(meeting::questions::ask(c, room, uid, name, text, timeutil::now_ms()));
  });
}

void upvote(MessageContext& ctx) {
  const Session& s = in_room(ctx);
  apply(ctx, [room = s.room_id, uid = s.user_id, id = question_id(ctx)](store::Connection& c) {
    return meeting::questions::toggle_vote(c, room, id, uid);
  });
}

void flag(MessageContext& ctx, const char* flag_name) {
  const Session& s = in_room(ctx);
  require_host_like(ctx.signaling, s);
  bool value = json::optional_bool(ctx.message, flag_name).value_or(true);
  apply(ctx, [room = s.room_id, id = question_id(ctx), flag_name, value](store::Connection& c) {
    return meeting::questions::set_flag(c, room, id, flag_name, value);
  });
}

void remove(MessageContext& ctx) {
  const Session& s = in_room(ctx);
  require_host_like(ctx.signaling, s);
  SignalingModule& sig = ctx.signaling;
  std::string room_id = s.room_id, id = question_id(ctx), request_id = ctx.request_id;
  uint64_t session_id = s.id;
  sig.store().run<bool>(
      [room_id, id](store::Connection& c) { return meeting::questions::remove(c, room_id, id); },
      [&sig, room_id, id, request_id, session_id](store::Outcome<bool> out) {
        Session* me = sig.session(session_id);
        if (!out.ok() || !out.value()) {
          if (me) sig.send_error(*me, out.ok() ? "unknown_question" : "database_unavailable",
                                 out.ok() ? "no such question in this room" : "try again", request_id);
          return;
        }
        sig.broadcast(room_id, std::move(json::Object().set("type", "question-deleted").set("questionId", id)));
      });
}

void caption(MessageContext& ctx) {
  const Session& s = in_room(ctx);
  std::string text = json::require_string(ctx.message, "text");
  bool final_line = json::optional_bool(ctx.message, "final").value_or(false);
  glong n = g_utf8_strlen(text.c_str(), -1);
  if (n == 0 || n > kMaxCaptionChars || !g_utf8_validate(text.c_str(), -1, nullptr))
    throw MessageError("invalid_field", "a caption is 1 to 1000 characters");
  if (final_line)
    if (auto* m = ctx.signaling.meeting()) m->record_caption(s.room_id, s.user_id, s.username, text);
  json::Object from;
  from.set("peerId", s.peer_id).set("userId", s.user_id).set("username", s.username);
  ctx.signaling.broadcast(s.room_id, std::move(json::Object()
                                                   .set("type", "caption")
                                                   .set("from", std::move(from))
                                                   .set("text", text)
                                                   .set("final", final_line)),
                          s.peer_id);
}

}  // namespace

void register_qa_handlers(HandlerTable& table) {
  table.add("question-ask", ask);
  table.add("question-upvote", upvote);
  table.add("question-pin", [](MessageContext& ctx) { flag(ctx, "pinned"); });
  table.add("question-answered", [](MessageContext& ctx) { flag(ctx, "answered"); });
  table.add("question-delete", remove);
  table.add("caption", caption);
}

}  // namespace convene::signaling
