#pragma once

#include <cstdint>
#include <string>

namespace convene::timeutil {

// Wall-clock milliseconds since the Unix epoch: how the store keeps every time.
int64_t now_ms();
// Monotonic microseconds, for durations.
int64_t monotonic_us();
// "2026-11-24T06:40:00.123Z"
std::string iso8601_from_ms(int64_t ms);
// Parses an ISO-8601 date-time with offset; returns false on bad input.
bool ms_from_iso8601(const std::string& text, int64_t* out_ms);

}  // namespace convene::timeutil
