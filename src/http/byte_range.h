// Which part of a body of known size a request's Range header asks for
// (RFC 9110 section 14), read with libsoup's parser.
//
// libsoup's own answer to a Range header (the server slices any complete 200
// response as it writes it) is turned off in Exchange: it sliced JSON replies
// too, and the libsoup of Debian 12 (3.2.3) does not clamp a range's end to
// the body, so "bytes=0-99999999" answered 206 with no body and a
// libsoup-CRITICAL. Handlers that serve files ask for ranges themselves
// (Exchange::ranged_bytes), through this.
//
// Threads: any; it reads only its arguments.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>

namespace convene::http {

struct ByteRange {
  enum class Kind {
    Whole,          // no Range header, one to ignore (not bytes, malformed), or several ranges
    Part,           // one satisfiable range: [first, last]
    Unsatisfiable,  // every range starts past the end (416)
  };
  Kind kind = Kind::Whole;
  int64_t first = 0;
  int64_t last = 0;  // inclusive, clamped to the body
};

// Several ranges are answered whole, as RFC 9110 allows: a multipart answer
// would only serve clients that nobody here has (players ask for one range).
ByteRange byte_range_of(SoupMessageHeaders* request_headers, int64_t size);

}  // namespace convene::http
