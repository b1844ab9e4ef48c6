#include "http/byte_range.h"

#include <algorithm>

namespace convene::http {

ByteRange byte_range_of(SoupMessageHeaders* request_headers, int64_t size) {
  SoupRange* ranges = nullptr;
  int count = 0;
  // False for no header and for one to ignore (not "bytes", malformed, an
  // end before its start); true ranges are sorted and merged, a suffix
  // ("-n") made absolute, but neither clamped nor checked against the size.
  if (!soup_message_headers_get_ranges(request_headers, size, &ranges, &count)) return {};
  ByteRange result{ByteRange::Kind::Unsatisfiable};
  int satisfiable = 0;
  for (int i = 0; i < count; ++i) {
    const int64_t first = std::max<int64_t>(0, ranges[i].start);  // a suffix longer than the body: all of it
    if (first >= size) continue;
    if (++satisfiable > 1) break;
    result = {ByteRange::Kind::Part, first, std::min<int64_t>(ranges[i].end, size - 1)};
  }
  soup_message_headers_free_ranges(request_headers, ranges);
  if (satisfiable > 1) return {};
  return result;
}

}  // namespace convene::http
