#include "meeting/ics.h"

#include <glib.h>

namespace convene::meeting {
namespace {

std::string utc_stamp(int64_t ms) {
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
  g_autofree char* s = g_date_time_format(dt, "%Y%m%dT%H%M%SZ");
  return s;
}

// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11).
std::string escape_text(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '\\' || c == ';' || c == ',') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c != '\r') out += c;
  }
  return out;
}

// Lines longer than 75 octets are folded with CRLF + space.
std::string fold(const std::string& line) {
  std::string out;
  size_t col = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    bool starts_char = (c & 0xC0) != 0x80;
    if (col >= 74 && starts_char) {
      out += "\r\n ";
      col = 1;
    }
    out += line[i];
    ++col;
  }
  return out + "\r\n";
}

}  // namespace

std::string make_ics(const CalendarEvent& e) {
  std::string ics;
  ics += fold("BEGIN:VCALENDAR");
  ics += fold("VERSION:2.0");
  ics += fold("PRODID:-//Convene//Meetings//EN");
  ics += fold("METHOD:REQUEST");
  ics += fold("BEGIN:VEVENT");
  ics += fold("UID:" + e.uid);
  ics += fold("DTSTAMP:" + utc_stamp(g_get_real_time() / 1000));
  ics += fold("DTSTART:" + utc_stamp(e.start_ms));
  ics += fold("DTEND:" + utc_stamp(e.start_ms + e.duration_min * 60000));
  ics += fold("SUMMARY:" + escape_text(e.summary));
  if (!e.description.empty() || !e.url.empty())
    ics += fold("DESCRIPTION:" + escape_text(e.description + (e.description.empty() ? "" : "\n\n") + "Join: " + e.url));
  if (!e.url.empty()) ics += fold("URL:" + e.url);
  if (!e.organizer_email.empty()) ics += fold("ORGANIZER:mailto:" + e.organizer_email);
  ics += fold("END:VEVENT");
  ics += fold("END:VCALENDAR");
  return ics;
}

}  // namespace convene::meeting
