// A user's meeting analytics, computed from attendance rows in the store.
#pragma once

#include <string>

#include "store/connection.h"
#include "util/json.h"

namespace convene::rooms {

// {totalMeetings, totalMinutes, averageMinutes, hostedCount,
//  byType:{ONE_TO_ONE,GROUP,VIRTUAL_ROOM}, daily:[{date, meetings, minutes}] (30 days),
//  history:[{roomId, name, type, startedAt, endedAt, minutes, participants, wasHost}]}
json::Object user_stats(store::Connection& c, const std::string& user_id, int64_t now_ms);

}  // namespace convene::rooms
