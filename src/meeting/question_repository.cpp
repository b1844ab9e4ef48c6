#include "meeting/question_repository.h"

#include "util/random.h"

namespace convene::meeting {

json::Object Question::to_json() const {
  json::Object o;
  o.set("id", id)
      .set("roomId", room_id)
      .set("userId", user_id)
      .set("author", author)
      .set("text", text)
      .set("pinned", pinned)
      .set("answered", answered)
      .set("votes", votes)
      .set("votedByMe", voted_by_me)
      .set_time("createdAt", created_at);
  return o;
}

namespace questions {
namespace {

constexpr const char* kSelect =
    "SELECT q.id, q.room_id, q.user_id, q.author, q.text, q.pinned, q.answered, q.created_at,"
    " (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id) AS votes,"
    " (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id AND v.user_id = $2) AS mine"
    " FROM questions q";

Question from_row(const store::Row& r) {
  return Question{r.text("id"),        r.text("room_id"),    r.opt_text("user_id").value_or(""),
                  r.text("author"),    r.text("text"),       r.boolean("pinned"),
                  r.boolean("answered"), r.integer("votes"), r.integer("mine") > 0,
                  r.integer("created_at")};
}

}  // namespace

Question ask(store::Connection& c, const std::string& room_id, const std::string& user_id, const std::string& author,
             const std::string& text, int64_t now_ms) {
  Question q{random::uuid(), room_id, user_id, author, text, false, false, 0, false, now_ms};
  c.exec("INSERT INTO questions (id, room_id, user_id, author, text, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
         {q.id, room_id, user_id, author, text, now_ms});
  return q;
}

std::optional<Question> find(store::Connection& c, const std::string& room_id, const std::string& question_id,
                             const std::string& viewer_id) {
  auto r = c.exec(std::string(kSelect) + " WHERE q.id = $1 AND q.room_id = $3", {question_id, viewer_id, room_id});
  if (r.empty()) return std::nullopt;
  return from_row(r.row(0));
}

std::optional<Question> toggle_vote(store::Connection& c, const std::string& room_id, const std::string& question_id,
                                    const std::string& user_id) {
  return c.transaction([&]() -> std::optional<Question> {
    if (!find(c, room_id, question_id)) return std::nullopt;
    auto del = c.exec("DELETE FROM question_votes WHERE question_id = $1 AND user_id = $2", {question_id, user_id});
    if (del.affected == 0)
      c.exec("INSERT INTO question_votes (question_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
             {question_id, user_id});
    return find(c, room_id, question_id, user_id);
  });
}

std::optional<Question> set_flag(store::Connection& c, const std::string& room_id, const std::string& question_id,
                                 const char* flag, bool value) {
  std::string column = std::string(flag) == "pinned" ? "pinned" : "answered";  // never caller text in SQL
  auto u = c.exec("UPDATE questions SET " + column + " = $1 WHERE id = $2 AND room_id = $3",
                  {value, question_id, room_id});
  if (u.affected == 0) return std::nullopt;
  return find(c, room_id, question_id);
}

bool remove(store::Connection& c, const std::string& room_id, const std::string& question_id) {
  return c.exec("DELETE FROM questions WHERE id = $1 AND room_id = $2", {question_id, room_id}).affected == 1;
}

std::vector<Question> list(store::Connection& c, const std::string& room_id, const std::string& viewer_id) {
  auto r = c.exec(std::string(kSelect) + " WHERE q.room_id = $1 ORDER BY q.pinned DESC, votes DESC, q.created_at, q.id",
                  {room_id, viewer_id});
  std::vector<Question> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(from_row(r.row(i)));
  return out;
}

}  // namespace questions
}  // namespace convene::meeting
