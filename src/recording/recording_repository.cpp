#include "recording/recording_repository.h"

namespace convene::recording {
namespace {

constexpr const char* kColumns =
    "id, room_id, filename, path, status, layout, duration_ms, file_size, started_by, started_at, ended_at, error, tracks";

RecordingRow row_from(const store::Row& r) {
  RecordingRow row;
  row.id = r.text("id");
  row.room_id = r.text("room_id");
  row.filename = r.text("filename");
  row.path = r.text("path");
  row.status = r.text("status");
  row.layout = r.text("layout");
  row.duration_ms = r.opt_integer("duration_ms");
  row.file_size = r.opt_integer("file_size");
  row.started_by = r.opt_text("started_by");
  row.started_at = r.integer("started_at");
  row.ended_at = r.opt_integer("ended_at");
  row.error = r.opt_text("error");
  row.tracks = r.opt_text("tracks");
  return row;
}

std::vector<RecordingRow> rows_from(const store::Result& res) {
  std::vector<RecordingRow> out;
  for (size_t i = 0; i < res.size(); ++i) out.push_back(row_from(res.row(i)));
  return out;
}

}  // namespace

json::Object RecordingRow::to_json() const {
  json::Object o;
  o.set("id", id)
      .set("roomId", room_id)
      .set("filename", filename)
      .set("status", status)
      .set("layout", layout)
      .set_optional("durationMs", duration_ms)
      .set_optional("fileSize", file_size)
      .set_optional("startedBy", started_by)
      .set_time("startedAt", started_at)
      .set_time("endedAt", ended_at);
  if (error) o.set("error", *error);
  if (tracks) {
    // The files' names stay on the server; a track is fetched by its index.
    json::Array list;
    JsonNodePtr parsed(json::parse(*tracks, nullptr));
    if (parsed && JSON_NODE_HOLDS_ARRAY(parsed.get())) {
      JsonArray* a = json_node_get_array(parsed.get());
      for (guint i = 0; i < json_array_get_length(a); ++i) {
        JsonObject* t = json_array_get_object_element(a, i);
        json::Object e;
        e.set("index", static_cast<int64_t>(i));
        for (const char* k : {"trackId", "peerId", "username", "kind", "source", "codec"})
          e.set(k, json_object_get_string_member_with_default(t, k, ""));
        list.add(std::move(e));
      }
    }
    o.set("tracks", std::move(list));
  }
  return o;
}

namespace recording_store {

void insert(store::Connection& c, const RecordingRow& r) {
  c.exec("INSERT INTO recordings (id, room_id, filename, path, status, layout, started_by, started_at)"
         " VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
         {r.id, r.room_id, r.filename, r.path, r.status, r.layout, r.started_by, r.started_at});
}

std::optional<RecordingRow> find(store::Connection& c, const std::string& id) {
  auto res = c.exec(std::string("SELECT ") + kColumns + " FROM recordings WHERE id = $1", {id});
  if (res.empty()) return std::nullopt;
  return row_from(res.row(0));
}

std::vector<RecordingRow> for_room(store::Connection& c, const std::string& room_id) {
  return rows_from(c.exec(std::string("SELECT ") + kColumns +
                              " FROM recordings WHERE room_id = $1 ORDER BY started_at DESC, id",
                          {room_id}));
}

std::vector<RecordingRow> unfinished(store::Connection& c) {
  return rows_from(c.exec(std::string("SELECT ") + kColumns +
                          " FROM recordings WHERE status IN ('RECORDING', 'PROCESSING')"));
}

void set_status(store::Connection& c, const std::string& id, const std::string& status) {
  c.exec("UPDATE recordings SET status = $2 WHERE id = $1", {id, status});
}

void finish(store::Connection& c, const std::string& id, const std::string& status, std::optional<int64_t> duration_ms,
            std::optional<int64_t> file_size, int64_t ended_at, const std::optional<std::string>& error,
            const std::optional<std::string>& tracks) {
  c.exec("UPDATE recordings SET status = $2, duration_ms = $3, file_size = $4, ended_at = $5, error = $6,"
         " tracks = COALESCE($7, tracks) WHERE id = $1",
         {id, status, duration_ms, file_size, ended_at, error, tracks});
}

void remove(store::Connection& c, const std::string& id) { c.exec("DELETE FROM recordings WHERE id = $1", {id}); }

std::optional<bool> room_e2ee(store::Connection& c, const std::string& room_id) {
  auto res = c.exec("SELECT e2ee FROM rooms WHERE id = $1", {room_id});
  if (res.empty()) return std::nullopt;
  return res.row(0).boolean("e2ee");
}

}  // namespace recording_store
}  // namespace convene::recording
