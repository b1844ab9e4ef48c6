// Reading a /metrics scrape in tests: samples by their series text, and
// `promtool check metrics` (Debian's prometheus package) on the whole text.
#pragma once

#include <map>
#include <string>

namespace convene::testing {

// Every sample line, keyed by its series as written ("name{a=\"b\"}"), to its value.
std::map<std::string, double> prometheus_samples(const std::string& text);
// The value of one series, or -1 when the scrape does not have it.
double prometheus_value(const std::string& text, const std::string& series);
// "" when `promtool check metrics` accepts the text, else what it said (or
// that promtool is missing: scripts/lib/common.sh installs it).
std::string promtool_problems(const std::string& text);

}  // namespace convene::testing
