// `convene check-config`: what an operator (or a deploy script) runs before
// starting: the configuration as Convene would use it (file, then
// CONVENE_* environment, then flags), each value with where it came from,
// secrets masked, and the problems start-up would stop on.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"

namespace convene::app {

// Whether a key holds a secret (its last word is password, secret, token or key).
bool is_secret_key(const std::string& key);
// The value as printed: secrets masked; a URL's password masked, the rest kept.
std::string masked_value(const config::KeySpec& spec, const std::string& value);

struct ConfigReport {
  std::vector<std::string> errors;    // start-up would fail on these, or they are surely wrong
  std::vector<std::string> warnings;  // it would start, but probably not as meant
};

// The checks start-up makes on values beyond their type (and a few it does not, as warnings).
ConfigReport check_config(const config::Config& config);

// Prints every key, "[section]" headers, "key = value  # origin", then the
// problems; returns the exit status (0 fine, 1 errors).
int print_config_report(const config::Config& config, std::ostream& out, std::ostream& err);

}  // namespace convene::app
