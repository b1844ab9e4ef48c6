// iCalendar (RFC 5545) invitations for scheduled meetings.
#pragma once

#include <cstdint>
#include <string>

namespace convene::meeting {

struct CalendarEvent {
  std::string uid;          // stable per meeting, e.g. "<roomId>@convene"
  std::string summary;
  std::string description;
  std::string url;          // the join link
  std::string organizer_email;
  int64_t start_ms = 0;
  int64_t duration_min = 60;
};

std::string make_ics(const CalendarEvent& event);

}  // namespace convene::meeting
