#pragma once

#include <string>

namespace convene::random {

// A random RFC 4122 v4 UUID: the ids of users, rooms, messages...
std::string uuid();
// `bytes` of cryptographic randomness, as lowercase hex.
std::string hex_token(size_t bytes);
// Human-friendly code (no look-alike letters), for invite codes.
std::string readable_code(size_t length);

}  // namespace convene::random
