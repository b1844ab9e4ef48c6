// Config parsing (src/config): a key file, then CONVENE_* environment
// variables, then what start-up derives from the values. The input is the
// file's text, optionally followed by a NUL byte and environment entries
// (NAME=VALUE, one a line).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/media_config.h"
#include "config/config.h"
#include "signaling/ice_servers.h"

namespace {

using namespace convene;

// Every key through the getter of its type, as modules read them at start-up.
void read_everything(const config::Config& cfg) {
  for (const config::KeySpec& k : config::schema()) {
    switch (k.type) {
      case config::Type::String: cfg.get_string(k.section, k.key); break;
      case config::Type::Int: cfg.get_int(k.section, k.key); break;
      case config::Type::Bool: cfg.get_bool(k.section, k.key); break;
      case config::Type::Double: cfg.get_double(k.section, k.key); break;
      case config::Type::StringList: cfg.get_list(k.section, k.key); break;
    }
    cfg.origin(k.section, k.key);
  }
  app::media_settings(cfg);
  app::database_url(cfg);
  signaling::IceSettings ice;
  ice.stun_urls = cfg.get_list("ice", "stun_urls");
  ice.turn_urls = cfg.get_list("ice", "turn_urls");
  ice.turn_secret = cfg.get_string("ice", "turn_secret");
  ice.turn_ttl_sec = cfg.get_int("ice", "turn_ttl_sec");
  signaling::ice_servers_for(ice, "user", 1'764'000'000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string file = input.substr(0, nul);
  std::vector<std::string> env_entries;
  if (nul != std::string::npos) {
    std::string env = input.substr(nul + 1);
    size_t start = 0;
    while (start <= env.size()) {
      size_t end = env.find('\n', start);
      if (end == std::string::npos) end = env.size();
      std::string entry = env.substr(start, end - start);
      if (entry.find('\0') == std::string::npos && entry.find('=') != std::string::npos) env_entries.push_back(entry);
      start = end + 1;
    }
  }
  std::vector<char*> envp;
  for (auto& e : env_entries) envp.push_back(e.data());
  envp.push_back(nullptr);

  // The file through a path, as `convene --config` reads it.
  int fd = memfd_create("convene.ini", 0);
  if (fd < 0) __builtin_trap();
  if (!file.empty() && write(fd, file.data(), file.size()) != static_cast<ssize_t>(file.size())) __builtin_trap();
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    config::Config cfg = config::Config::load(path, envp.data());
    read_everything(cfg);
  } catch (const config::Error&) {
  }
  close(fd);
  return 0;
}
