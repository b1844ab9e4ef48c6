#include "http/static_files.h"

#include <gio/gio.h>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_http_debug

namespace convene::http {

StaticFiles::StaticFiles(std::string root) {
  g_autofree char* canon = g_canonicalize_filename(root.c_str(), nullptr);
  // Resolve symlinks once, so the containment check below compares real paths.
  g_autofree char* real = realpath(canon, nullptr);
  root_ = real ? real : canon;
}

bool StaticFiles::send_file(Exchange& ex, const std::string& file) const {
  g_autoptr(GMappedFile) mapped = g_mapped_file_new(file.c_str(), FALSE, nullptr);
  if (!mapped) return false;
  g_autoptr(GBytes) content = g_mapped_file_get_bytes(mapped);
  g_autofree char* type = g_content_type_guess(file.c_str(), nullptr, 0, nullptr);
  g_autofree char* mime = g_content_type_get_mime_type(type);
  std::string content_type = mime ? mime : "application/octet-stream";
  if (g_str_has_suffix(file.c_str(), ".js") || g_str_has_suffix(file.c_str(), ".mjs"))
    content_type = "text/javascript";
  // Not in every shared-mime-info; browsers compile WebAssembly while it
  // downloads only when it comes as application/wasm.
  if (g_str_has_suffix(file.c_str(), ".wasm")) content_type = "application/wasm";
  if (g_str_has_prefix(content_type.c_str(), "text/")) content_type += "; charset=utf-8";
  // Hashed assets never change; index.html must always be revalidated.
  bool hashed = file.find("/assets/") != std::string::npos;
  ex.add_header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  ex.bytes(200, content_type.c_str(), content);
  return true;
}

bool StaticFiles::serve(Exchange& ex) const {
  // Already decoded once by libsoup and normalised (http/path.h): not decoded again.
  const std::string& path = ex.path();
  if (path.find('\0') != std::string::npos) return false;
  g_autofree char* joined = g_build_filename(root_.c_str(), path.c_str(), nullptr);
  g_autofree char* canon = g_canonicalize_filename(joined, nullptr);
  std::string file = canon;
  // Never leave the root, whatever "..", "%2e%2e" or symlink games the path plays.
  if (file != root_ && !g_str_has_prefix(file.c_str(), (root_ + "/").c_str())) return false;
  if (g_file_test(file.c_str(), G_FILE_TEST_IS_DIR)) file += "/index.html";
  if (g_file_test(file.c_str(), G_FILE_TEST_IS_REGULAR)) {
    g_autofree char* real = realpath(file.c_str(), nullptr);
    if (!real || (std::string(real) != root_ && !g_str_has_prefix(real, (root_ + "/").c_str()))) return false;
    return send_file(ex, file);
  }
  // A client-side route: no dot in the last segment.
  g_autofree char* base = g_path_get_basename(path.c_str());
  if (!strchr(base, '.')) return send_file(ex, root_ + "/index.html");
  return false;
}

}  // namespace convene::http
