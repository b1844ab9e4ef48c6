// The Prometheus text exposition format, version 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/
// One "# HELP" and one "# TYPE" line per family, then its samples; label
// values escaped (\\, \", \n), HELP text escaped (\\, \n).
#pragma once

#include <string>
#include <vector>

#include "metrics/registry.h"

namespace convene::metrics {

// The Content-Type of render()'s output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render(const std::vector<FamilySnapshot>& families);

// A sample value or bucket bound: shortest round-trip form, +Inf, -Inf, NaN.
std::string format_value(double v);
std::string escape_label_value(const std::string& v);
std::string escape_help(const std::string& v);

}  // namespace convene::metrics
