// Where users reach this server, as a given request sees it (the configured
// public URL, or the scheme and host a trusted reverse proxy forwarded).
// The composition root provides it; modules that write links take it.
//
// Threads: main loop.
#pragma once

#include <functional>
#include <string>

#include "http/exchange.h"

namespace convene::http {

using PublicUrlOf = std::function<std::string(const Exchange& request)>;

}  // namespace convene::http
