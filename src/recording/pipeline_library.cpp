#include "recording/pipeline_library.h"

#include <stdexcept>

#include "util/log.h"

#define GST_CAT_DEFAULT convene_recording_debug

namespace convene::recording {
namespace {

std::string strip_comments(const std::string& text) {
  std::string out;
  g_auto(GStrv) lines = g_strsplit(text.c_str(), "\n", -1);
  for (char** l = lines; *l; ++l) {
    const char* p = *l;
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == '#') continue;
    out += *l;
    out += ' ';
  }
  return out;
}

bool has_free_sink_pad(GstElement* e) {
  bool free = false;
  g_autoptr(GstIterator) it = gst_element_iterate_sink_pads(e);
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    if (!gst_pad_is_linked(GST_PAD(g_value_get_object(&v)))) free = true;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  return free;
}

}  // namespace

PipelineLibrary::PipelineLibrary(const std::string& dir, const std::vector<std::string>& required) {
  g_autoptr(GError) err = nullptr;
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, &err);
  if (!d) throw std::runtime_error("[recording] pipelines_dir: " + std::string(err->message));
  while (const char* name = g_dir_read_name(d)) {
    if (!g_str_has_suffix(name, ".pipeline")) continue;
    g_autofree char* path = g_build_filename(dir.c_str(), name, nullptr);
    g_autofree char* text = nullptr;
    if (!g_file_get_contents(path, &text, nullptr, &err)) throw std::runtime_error(err->message);
    std::string key(name, strlen(name) - strlen(".pipeline"));
    descriptions_[key] = strip_comments(text);
  }
  for (const auto& r : required)
    if (!descriptions_.count(r)) throw std::runtime_error("pipeline " + dir + "/" + r + ".pipeline is missing");
  // Check every description now, with harmless values, so a typo stops start-up.
  for (const auto& [key, desc] : descriptions_) {
    std::string error;
    GstElement* p = build(expand(key, {{"location", "/dev/null"}, {"url", "rtmp://127.0.0.1/check/check"},
                                       {"dir", "/nonexistent"}}),
                          &error);
    if (!p) throw std::runtime_error("pipeline " + dir + "/" + key + ".pipeline: " + error);
    gst_object_unref(p);
    GST_INFO("pipeline %s checked", key.c_str());
  }
}

std::string PipelineLibrary::expand(const std::string& name, const std::map<std::string, std::string>& values) const {
  auto it = descriptions_.find(name);
  if (it == descriptions_.end()) throw std::invalid_argument("no pipeline " + name);
  std::string out = it->second;
  for (const auto& [key, value] : values) {
    if (value.find_first_of("\"\\") != std::string::npos) throw std::invalid_argument(key + " has a quote or backslash");
    std::string token = "{" + key + "}";
    for (size_t pos = out.find(token); pos != std::string::npos; pos = out.find(token, pos + value.size()))
      out.replace(pos, token.size(), value);
  }
  return out;
}

GstElement* PipelineLibrary::build(const std::string& description, std::string* error) {
  g_autoptr(GError) err = nullptr;
  g_autoptr(GstParseContext) ctx = gst_parse_context_new();
  GstElement* p = gst_parse_launch_full(description.c_str(), ctx, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!p || err) {
    *error = err ? err->message : "does not parse";
    if (p) gst_object_unref(p);
    return nullptr;
  }
  gst_object_ref_sink(p);
  if (!GST_IS_PIPELINE(p)) {
    *error = "must be several elements (a pipeline)";
    gst_object_unref(p);
    return nullptr;
  }
  for (const char* entry : {"video", "audio"}) {
    g_autoptr(GstElement) e = gst_bin_get_by_name(GST_BIN(p), entry);
    if (!e || !has_free_sink_pad(e)) {
      *error = std::string("needs an element named '") + entry + "' with a free sink pad";
      gst_object_unref(p);
      return nullptr;
    }
  }
  return p;
}

}  // namespace convene::recording
