// The one spelling of a request path that every rule sees: rate limits,
// filters, the router and static files all work on normalize_path()'s result,
// so "/auth/login/", "//auth/login" and "/auth/./login" are all "/auth/login".
//
// libsoup has already percent-decoded the path once (and resolved dot
// segments it could see); nothing decodes it again, so "%2541" reaches a
// handler as "%41", never as "A".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace convene::http {

// Collapses repeated '/', drops a trailing '/' (except for the root "/") and
// "." segments. Returns nullopt for what no route can mean: a path that does
// not start with '/', a ".." segment, or a NUL character.
std::optional<std::string> normalize_path(std::string_view raw);

}  // namespace convene::http
