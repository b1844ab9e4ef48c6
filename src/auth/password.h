// Password hashing with Argon2id (libsodium's crypto_pwhash_str): salted,
// slow, and self-describing, so parameters can be raised later.
#pragma once

#include <string>

namespace convene::auth {

// Throws std::runtime_error when the machine is out of memory for the hash.
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);

}  // namespace convene::auth
