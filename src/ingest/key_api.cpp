#include "ingest/key_api.h"

#include <glib.h>

#include <cstring>

#include "http/error.h"
#include "ingest/ingest_key_repository.h"
#include "rooms/room_repository.h"
#include "ingest/ingest_log.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_ingest_debug

namespace convene::ingest {
namespace {

// What the store says about the caller and the room before a key operation.
struct HostCheck {
  bool room = false;
  bool host = false;
};

HostCheck check_host(store::Connection& c, const std::string& room_id, const std::string& user_id) {
  HostCheck h;
  h.room = rooms::room_store::find(c, room_id).has_value();
  h.host = h.room && rooms::room_store::role_of(c, room_id, user_id) == "HOST";
  return h;
}

void require_host(const HostCheck& h) {
  if (!h.room) throw http::not_found("no such room");
  if (!h.host) throw http::forbidden("only the host can manage ingest keys");
}

}  // namespace

std::string KeyApi::srt_url(const std::string& public_url, const std::string& room_id,
                            const std::string& secret) const {
  if (urls_.srt_port <= 0) return "";
  g_autoptr(GUri) base = g_uri_parse(public_url.c_str(), G_URI_FLAGS_NONE, nullptr);
  const char* host = base ? g_uri_get_host(base) : nullptr;
  if (!host) return "";
  // An IPv6 literal in a URL goes in brackets.
  std::string h = strchr(host, ':') ? std::string("[") + host + "]" : std::string(host);
  // The SRT access-control convention (#!::r=<resource>,k=<key>), URL-encoded.
  std::string stream_id = "#!::r=" + room_id + ",k=" + secret;
  g_autofree char* escaped = g_uri_escape_string(stream_id.c_str(), nullptr, FALSE);
  return "srt://" + h + ":" + std::to_string(urls_.srt_port) + "?streamid=" + escaped;
}

KeyApi::KeyApi(http::Server& http, store::Store& store, const auth::Authenticator& authenticator, Urls urls)
    : store_(store), authenticator_(authenticator), urls_(std::move(urls)) {
  http.route("POST", "/rooms/:id/ingest-keys", [this](http::ExchangePtr ex) { create(ex); });
  http.route("GET", "/rooms/:id/ingest-keys", [this](http::ExchangePtr ex) { list(ex); });
  http.route("DELETE", "/rooms/:id/ingest-keys/:keyId", [this](http::ExchangePtr ex) { revoke(ex); });
}

void KeyApi::create(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  std::string name = json::optional_string(ex->json_body(), "name").value_or("");
  if (name.empty() || g_utf8_strlen(name.c_str(), -1) > 64)
    throw json::FieldError("name", "'name' must be 1 to 64 characters (the publisher's name in the room)");
  if (!g_utf8_validate(name.c_str(), -1, nullptr)) throw json::FieldError("name", "'name' must be UTF-8");
  struct Created {
    HostCheck check;
    IssuedKey issued;
  };
  store_.run<Created>(
      [room_id, name, uid = who.id](store::Connection& c) {
        Created out{check_host(c, room_id, uid), {}};
        if (out.check.host) out.issued = ingest_key_store::create(c, room_id, name, uid, timeutil::now_ms());
        return out;
      },
      ex->guard([this, ex, room_id](store::Outcome<Created> out) {
        if (!out.ok()) throw out.error();
        require_host(out.value().check);
        const IssuedKey& k = out.value().issued;
        GST_INFO("room %s: ingest key %s (%s) created", room_id.c_str(), k.key.id.c_str(), k.key.name.c_str());
        json::Object body = k.key.to_json();
        body.set("key", k.secret).set("whipUrl", urls_.public_url(*ex) + "/whip/" + room_id);
        std::string srt = srt_url(urls_.public_url(*ex), room_id, k.secret);
        if (srt.empty()) {
          body.set_null("srtUrl");
        } else {
          body.set("srtUrl", srt);
        }
        ex->json(201, std::move(body));
      }));
}

void KeyApi::list(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string room_id = ex->param("id");
  struct Listed {
    HostCheck check;
    std::vector<IngestKey> keys;
  };
  store_.run<Listed>(
      [room_id, uid = who.id](store::Connection& c) {
        Listed out{check_host(c, room_id, uid), {}};
        if (out.check.host) out.keys = ingest_key_store::for_room(c, room_id);
        return out;
      },
      ex->guard([ex](store::Outcome<Listed> out) {
        if (!out.ok()) throw out.error();
        require_host(out.value().check);
        json::Array list;
        for (const IngestKey& k : out.value().keys) list.add(k.to_json());
        ex->json(200, std::move(list));
      }));
}

void KeyApi::revoke(http::ExchangePtr ex) {
  auto who = authenticator_.require(*ex);
  std::string room_id = ex->param("id"), key_id = ex->param("keyId");
  struct Revoked {
    HostCheck check;
    bool removed = false;
  };
  store_.run<Revoked>(
      [room_id, key_id, uid = who.id](store::Connection& c) {
        Revoked out{check_host(c, room_id, uid), false};
        if (out.check.host) out.removed = ingest_key_store::remove(c, room_id, key_id);
        return out;
      },
      ex->guard([this, ex, room_id, key_id](store::Outcome<Revoked> out) {
        if (!out.ok()) throw out.error();
        require_host(out.value().check);
        if (!out.value().removed) throw http::not_found("no such ingest key in this room");
        GST_INFO("room %s: ingest key %s revoked", room_id.c_str(), key_id.c_str());
        if (urls_.revoked) urls_.revoked(room_id, key_id);
        ex->no_content();
      }));
}

}  // namespace convene::ingest
