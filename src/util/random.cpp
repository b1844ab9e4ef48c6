#include "util/random.h"

#include <glib.h>
#include <sodium.h>

#include <vector>

namespace convene::random {

std::string uuid() {
  g_autofree char* s = g_uuid_string_random();
  return s;
}

std::string hex_token(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();
  return hex;
}

std::string readable_code(size_t length) {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  std::string code;
  code.reserve(length);
  for (size_t i = 0; i < length; ++i)
    code.push_back(kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)]);
  return code;
}

}  // namespace convene::random
