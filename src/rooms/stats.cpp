#include "rooms/stats.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>
#include <map>
#include <set>

namespace convene::rooms {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

std::string utc_date(int64_t ms) {
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
  g_autofree char* s = g_date_time_format(dt, "%Y-%m-%d");
  return s;
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

struct RoomAgg {
  std::string name, type;
  bool was_host = false;
  int64_t my_ms = 0;
  int64_t started_at = 0, ended_at = 0;
  bool open = false;
  int64_t participants = 0;
  std::optional<int64_t> room_ended_at;
};

}  // namespace

json::Object user_stats(store::Connection& c, const std::string& user_id, int64_t now_ms) {
  // The user's own stays, with their room.
  auto mine = c.exec(
      "SELECT p.room_id, p.joined_at, p.left_at, r.name, r.type, r.host_id, r.ended_at FROM room_participants p"
      " JOIN rooms r ON r.id = p.room_id WHERE p.user_id = $1 ORDER BY p.joined_at",
      {user_id});
  std::map<std::string, RoomAgg> rooms;
  std::map<std::string, std::pair<std::set<std::string>, int64_t>> daily;  // date -> rooms, ms
  for (size_t i = 0; i < mine.size(); ++i) {
    auto row = mine.row(i);
    std::string room_id = row.text("room_id");
    int64_t joined = row.integer("joined_at");
    int64_t left = row.opt_integer("left_at").value_or(now_ms);
    auto& agg = rooms[room_id];
    agg.name = row.text("name");
    agg.type = row.text("type");
    agg.was_host = row.text("host_id") == user_id;
    agg.room_ended_at = row.opt_integer("ended_at");
    agg.my_ms += std::max<int64_t>(0, left - joined);
    auto& day = daily[utc_date(joined)];
    day.first.insert(room_id);
    day.second += std::max<int64_t>(0, left - joined);
  }
  // The whole meeting of each of those rooms: first join, last leave, people.
  for (auto& [room_id, agg] : rooms) {
    auto all = c.exec(
        "SELECT MIN(joined_at) AS started, MAX(left_at) AS last_left, COUNT(DISTINCT user_id) AS people,"
        " SUM(CASE WHEN left_at IS NULL THEN 1 ELSE 0 END) AS still_in FROM room_participants WHERE room_id = $1",
        {room_id});
    auto row = all.row(0);
    agg.started_at = row.integer("started");
    agg.open = row.integer("still_in") > 0;
    agg.ended_at = agg.room_ended_at.value_or(row.opt_integer("last_left").value_or(now_ms));
    agg.participants = row.integer("people");
  }

  int64_t total_ms = 0;
  std::map<std::string, int64_t> by_type = {{"ONE_TO_ONE", 0}, {"GROUP", 0}, {"VIRTUAL_ROOM", 0}};
  json::Array history;
  // Newest meeting first.
  std::vector<std::pair<std::string, const RoomAgg*>> ordered;
  for (auto& [id, agg] : rooms) ordered.emplace_back(id, &agg);
  std::sort(ordered.begin(), ordered.end(), [](auto& a, auto& b) { return a.second->started_at > b.second->started_at; });
  for (auto& [id, agg] : ordered) {
    total_ms += agg->my_ms;
    by_type[agg->type] += 1;
    json::Object h;
    h.set("roomId", id)
        .set("name", agg->name)
        .set("type", agg->type)
        .set_time("startedAt", agg->started_at)
        .set_time("endedAt", agg->open ? std::nullopt : std::optional<int64_t>(agg->ended_at))
        .set("minutes", round1(agg->my_ms / 60000.0))
        .set("participants", agg->participants)
        .set("wasHost", agg->was_host);
    history.add(std::move(h));
  }
  int64_t hosted = c.exec("SELECT COUNT(*) AS n FROM rooms WHERE host_id = $1", {user_id}).row(0).integer("n");

  json::Array days;
  for (int d = 29; d >= 0; --d) {
    std::string date = utc_date(now_ms - d * kDayMs);
    auto it = daily.find(date);
    json::Object day;
    day.set("date", date)
        .set("meetings", static_cast<int64_t>(it == daily.end() ? 0 : it->second.first.size()))
        .set("minutes", round1(it == daily.end() ? 0.0 : it->second.second / 60000.0));
    days.add(std::move(day));
  }
  json::Object types;
  for (auto& [t, n] : by_type) types.set(t.c_str(), n);

  double total_min = total_ms / 60000.0;
  json::Object out;
  out.set("totalMeetings", static_cast<int64_t>(rooms.size()))
      .set("totalMinutes", round1(total_min))
      .set("averageMinutes", round1(rooms.empty() ? 0.0 : total_min / rooms.size()))
      .set("hostedCount", hosted)
      .set("byType", std::move(types))
      .set("daily", std::move(days))
      .set("history", std::move(history));
  return out;
}

}  // namespace convene::rooms
