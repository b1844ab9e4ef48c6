#include "auth/preferences.h"

#include <algorithm>

#include "http/error.h"
#include "util/log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_auth_debug

namespace convene::auth {
namespace {

json::Object to_json(const Preferences& p) {
  json::Object o;
  if (p.theme) o.set("theme", *p.theme);
  else o.set_null("theme");
  return o;
}

}  // namespace

const std::vector<std::string>& known_themes() {
  static const std::vector<std::string> themes = {"plain",    "midnight", "ocean", "forest", "sunset", "paper",
                                                  "lavender", "ember",    "slate", "aurora", "sakura"};
  return themes;
}

namespace preferences {

Preferences load(store::Connection& c, const std::string& user_id) {
  auto r = c.exec("SELECT theme FROM user_preferences WHERE user_id = $1", {user_id});
  if (r.empty()) return {};
  return Preferences{r.row(0).opt_text("theme")};
}

void save(store::Connection& c, const std::string& user_id, const Preferences& p) {
  c.exec("INSERT INTO user_preferences (user_id, theme, updated_at) VALUES ($1, $2, $3)"
         " ON CONFLICT (user_id) DO UPDATE SET theme = excluded.theme, updated_at = excluded.updated_at",
         {user_id, p.theme, timeutil::now_ms()});
}

}  // namespace preferences

PreferencesApi::PreferencesApi(store::Store& store, http::Server& http, const Authenticator& authenticator)
    : store_(store), authenticator_(authenticator) {
  http.route("GET", "/users/me/preferences", [this](http::ExchangePtr ex) { get(ex); });
  http.route("PUT", "/users/me/preferences", [this](http::ExchangePtr ex) { put(ex); });
}

void PreferencesApi::get(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  ex->add_header("Cache-Control", "no-store");
  store_.run<Preferences>(
      [id = who.id](store::Connection& c) { return preferences::load(c, id); },
      ex->guard([ex](store::Outcome<Preferences> out) {
        if (!out.ok()) throw out.error();
        ex->json(200, to_json(out.value()));
      }));
}

void PreferencesApi::put(http::ExchangePtr ex) {
  AuthUser who = authenticator_.require(*ex);
  JsonObject* body = ex->json_body();
  Preferences p;
  p.theme = json::optional_string(body, "theme");  // null or absent: back to the default
  const auto& themes = known_themes();
  if (p.theme && std::find(themes.begin(), themes.end(), *p.theme) == themes.end()) {
    std::string names;
    for (const auto& t : themes) names += (names.empty() ? "" : ", ") + t;
    throw http::Error(400, "invalid_theme", "'theme' must be one of: " + names);
  }
  store_.run<bool>(
      [id = who.id, p](store::Connection& c) {
        preferences::save(c, id, p);
        return true;
      },
      ex->guard([ex, p](store::Outcome<bool> out) {
        if (!out.ok()) throw out.error();
        ex->json(200, to_json(p));
      }));
}

}  // namespace convene::auth
