#include "auth/user_repository.h"

#include "util/random.h"
#include "util/time.h"

namespace convene::auth {

json::Object User::to_json() const {
  json::Object o;
  o.set("id", id).set("email", email).set("username", username);
  return o;
}

namespace users {
namespace {

User from_row(const store::Row& r) {
  return User{r.text("id"), r.text("email"), r.text("username"), r.opt_text("password_hash"),
              r.integer("created_at")};
}

constexpr const char* kColumns = "id, email, username, password_hash, created_at";

}  // namespace

User create(store::Connection& c, const std::string& email, const std::string& username,
            const std::optional<std::string>& password_hash) {
  User u{random::uuid(), email, username, password_hash, timeutil::now_ms()};
  c.exec("INSERT INTO users (id, email, username, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
         {u.id, u.email, u.username, u.password_hash, u.created_at});
  return u;
}

std::optional<User> find_by_id(store::Connection& c, const std::string& id) {
  auto r = c.exec(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return from_row(r.row(0));
}

std::optional<User> find_by_email(store::Connection& c, const std::string& email) {
  auto r = c.exec(std::string("SELECT ") + kColumns + " FROM users WHERE email = $1", {email});
  if (r.empty()) return std::nullopt;
  return from_row(r.row(0));
}

bool username_taken(store::Connection& c, const std::string& username) {
  return !c.exec("SELECT 1 FROM users WHERE username = $1", {username}).empty();
}

}  // namespace users
}  // namespace convene::auth
