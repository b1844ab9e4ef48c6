#include "ingest/ingest_key_repository.h"

#include <glib.h>

#include "util/random.h"

namespace convene::ingest {
namespace {

IngestKey key_from(const store::Row& r) {
  IngestKey k;
  k.id = r.text("id");
  k.room_id = r.text("room_id");
  k.name = r.text("name");
  k.created_by = r.opt_text("created_by");
  k.created_at = r.integer("created_at");
  return k;
}

}  // namespace

json::Object IngestKey::to_json() const {
  json::Object o;
  o.set("id", id).set("roomId", room_id).set("name", name).set_optional("createdBy", created_by).set_time("createdAt",
                                                                                                       created_at);
  return o;
}

namespace ingest_key_store {

std::string hash(const std::string& secret) {
  g_autofree char* h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret.c_str(), -1);
  return h;
}

IssuedKey create(store::Connection& c, const std::string& room_id, const std::string& name,
                 const std::string& created_by, int64_t now_ms) {
  IssuedKey out;
  out.secret = random::hex_token(32);
  out.key.id = random::uuid();
  out.key.room_id = room_id;
  out.key.name = name;
  out.key.created_by = created_by;
  out.key.created_at = now_ms;
  c.exec("INSERT INTO ingest_keys (id, room_id, name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
         {out.key.id, room_id, name, hash(out.secret), created_by, now_ms});
  return out;
}

std::vector<IngestKey> for_room(store::Connection& c, const std::string& room_id) {
  store::Result res = c.exec(
      "SELECT id, room_id, name, created_by, created_at FROM ingest_keys WHERE room_id = $1 ORDER BY created_at, id",
      {room_id});
  std::vector<IngestKey> out;
  for (size_t i = 0; i < res.size(); ++i) out.push_back(key_from(res.row(i)));
  return out;
}

bool remove(store::Connection& c, const std::string& room_id, const std::string& key_id) {
  return c.exec("DELETE FROM ingest_keys WHERE id = $1 AND room_id = $2", {key_id, room_id}).affected > 0;
}

std::optional<IngestKey> find_by_secret(store::Connection& c, const std::string& room_id, const std::string& secret) {
  if (secret.empty()) return std::nullopt;
  store::Result res = c.exec(
      "SELECT id, room_id, name, created_by, created_at FROM ingest_keys WHERE key_hash = $1 AND room_id = $2",
      {hash(secret), room_id});
  if (res.empty()) return std::nullopt;
  return key_from(res.row(0));
}

}  // namespace ingest_key_store
}  // namespace convene::ingest
