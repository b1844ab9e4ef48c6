// Users in the store. Called on store worker threads only (inside Store::run).
#pragma once

#include <optional>
#include <string>

#include "store/connection.h"
#include "util/json.h"

namespace convene::auth {

struct User {
  std::string id;
  std::string email;
  std::string username;
  std::optional<std::string> password_hash;
  int64_t created_at = 0;

  // The public shape: {id, email, username}.
  json::Object to_json() const;
};

namespace users {

// Throws store::Error(Conflict) when the email or username is taken.
User create(store::Connection& c, const std::string& email, const std::string& username,
            const std::optional<std::string>& password_hash);
std::optional<User> find_by_id(store::Connection& c, const std::string& id);
std::optional<User> find_by_email(store::Connection& c, const std::string& email);
bool username_taken(store::Connection& c, const std::string& username);

}  // namespace users
}  // namespace convene::auth
