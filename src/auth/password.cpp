#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

namespace convene::auth {

std::string hash_password(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  // "Interactive" limits: about 64 MiB and tens of milliseconds per hash.
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace convene::auth
