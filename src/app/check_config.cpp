#include "app/check_config.h"

#include <glib.h>

#include <exception>
#include <stdexcept>

#include "app/app.h"
#include "cluster/cluster_settings.h"
#include "http/trusted_proxies.h"

namespace convene::app {
namespace {

constexpr const char* kMask = "********";

// "postgresql://user:pass@host/db" -> "postgresql://user:********@host/db";
// anything that is not a URL with a password comes back unchanged.
std::string mask_url_password(const std::string& value) {
  g_autoptr(GUri) uri = g_uri_parse(value.c_str(), G_URI_FLAGS_HAS_PASSWORD, nullptr);
  if (!uri || !g_uri_get_password(uri) || !*g_uri_get_password(uri)) return value;
  g_autoptr(GUri) shown = g_uri_build_with_user(G_URI_FLAGS_HAS_PASSWORD, g_uri_get_scheme(uri), g_uri_get_user(uri),
                                                kMask, g_uri_get_auth_params(uri), g_uri_get_host(uri),
                                                g_uri_get_port(uri), g_uri_get_path(uri), g_uri_get_query(uri),
                                                g_uri_get_fragment(uri));
  g_autofree char* text = g_uri_to_string(shown);
  return text;
}

bool readable_file(const std::string& path) { return g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR); }

}  // namespace

bool is_secret_key(const std::string& key) {
  size_t underscore = key.rfind('_');
  std::string last = underscore == std::string::npos ? key : key.substr(underscore + 1);
  return last == "password" || last == "secret" || last == "token" || last == "key";
}

std::string masked_value(const config::KeySpec& spec, const std::string& value) {
  if (value.empty()) return value;
  if (is_secret_key(spec.key)) return kMask;
  if (spec.type == config::Type::StringList) {
    std::string out;
    g_auto(GStrv) parts = g_strsplit(value.c_str(), ",", -1);
    for (char** p = parts; *p; ++p) {
      if (!out.empty()) out += ", ";
      std::string item = g_strstrip(*p);
      out += mask_url_password(item);
    }
    return out;
  }
  return mask_url_password(value);
}

ConfigReport check_config(const config::Config& c) {
  ConfigReport r;
  auto guard = [&r](const char* what, auto&& check) {
    try {
      check();
    } catch (const std::exception& e) {
      r.errors.push_back(std::string(what) + ": " + e.what());
    }
  };

  guard("[server] trusted_proxies", [&] { http::TrustedProxies proxies(c.get_list("server", "trusted_proxies")); });
  int64_t port = c.get_int("server", "port");
  if (port < 0 || port > 65535) r.errors.push_back("[server] port: must be 0 to 65535");
  g_autoptr(GInetAddress) host = g_inet_address_new_from_string(c.get_string("server", "host").c_str());
  if (!host) r.errors.push_back("[server] host: '" + c.get_string("server", "host") + "' is not an IP address");

  std::string cert = c.get_string("server", "tls_cert"), key = c.get_string("server", "tls_key");
  if (cert.empty() != key.empty()) r.errors.push_back("[server] tls_cert and tls_key go together");
  if (!cert.empty() && !readable_file(cert)) r.errors.push_back("[server] tls_cert: no such file " + cert);
  if (!key.empty() && !readable_file(key)) r.errors.push_back("[server] tls_key: no such file " + key);

  std::string static_dir = c.get_string("server", "static_dir");
  if (!static_dir.empty() && !g_file_test(static_dir.c_str(), G_FILE_TEST_IS_DIR))
    r.warnings.push_back("[server] static_dir: " + static_dir + " does not exist; the web client would not be served");
  std::string public_url = c.get_string("server", "public_url");
  if (!public_url.empty() && !g_uri_is_valid(public_url.c_str(), G_URI_FLAGS_NONE, nullptr))
    r.warnings.push_back("[server] public_url: '" + public_url + "' is not an absolute URL");

  std::string db = database_url(c);
  if (!g_str_has_prefix(db.c_str(), "sqlite:") && !g_str_has_prefix(db.c_str(), "postgresql://") &&
      !g_str_has_prefix(db.c_str(), "postgres://"))
    r.errors.push_back("[database] url: must start with sqlite:, postgresql:// or postgres://");

  if (c.get_bool("cluster", "enabled")) {
    try {
      cluster::check_cluster_config(c, db);
    } catch (const std::exception& e) {
      r.errors.push_back(e.what());
    }
  }

  std::string secret = c.get_string("auth", "secret");
  if (!secret.empty() && secret.size() < 32)
    r.warnings.push_back("[auth] secret: shorter than 32 characters; tokens are easier to forge");

  int64_t min_port = c.get_int("media", "min_port"), max_port = c.get_int("media", "max_port");
  if (min_port < 0 || max_port < 0 || min_port > 65535 || max_port > 65535 || min_port > max_port)
    r.errors.push_back("[media] min_port/max_port: a range within 0..65535 with min_port <= max_port");
  g_autofree char* codec = g_ascii_strup(c.get_string("media", "video_codec").c_str(), -1);
  if (std::string(codec) != "VP8" && std::string(codec) != "H264")
    r.warnings.push_back("[media] video_codec: VP8 or H264");

  if (!c.get_list("ice", "turn_urls").empty() && c.get_string("ice", "turn_secret").empty())
    r.warnings.push_back("[ice] turn_urls: set without turn_secret; browsers get no TURN credentials");
  return r;
}

int print_config_report(const config::Config& c, std::ostream& out, std::ostream& err) {
  std::string section;
  for (const config::KeySpec& spec : config::schema()) {
    if (section != spec.section) {
      out << (section.empty() ? "" : "\n") << "[" << spec.section << "]\n";
      section = spec.section;
    }
    out << spec.key << " = " << masked_value(spec, c.get_string(spec.section, spec.key)) << "  # "
        << c.origin(spec.section, spec.key) << "\n";
  }
  ConfigReport r = check_config(c);
  for (const auto& w : r.warnings) err << "warning: " << w << "\n";
  for (const auto& e : r.errors) err << "error: " << e << "\n";
  if (!r.errors.empty()) {
    err << "configuration has " << r.errors.size() << " error(s)\n";
    return 1;
  }
  err << "configuration OK\n";
  return 0;
}

}  // namespace convene::app
