// The encoder/container descriptions of pipelines/ (*.pipeline), read and
// checked once at start-up, expanded and built for each recording or egress.
//
// A description is gst-launch syntax with lines starting with '#' ignored.
// It must have an element named `video` and one named `audio`, each with a
// free sink pad (raw video and raw audio go in there), and may use the
// placeholders {location} (a file), {url} (an RTMP URL) and {dir} (an HLS
// directory), which are replaced before parsing.
//
// Threads: main loop.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>
#include <vector>

namespace convene::recording {

class PipelineLibrary {
 public:
  // Reads every <name>.pipeline of `dir` and checks the ones in `required`
  // (and every other one found) parse; throws std::runtime_error naming the
  // file and carrying the parser's message.
  PipelineLibrary(const std::string& dir, const std::vector<std::string>& required);

  bool has(const std::string& name) const { return descriptions_.count(name) > 0; }
  // The description of `name` with placeholders replaced. Values must not
  // contain quotes or backslashes (throws std::invalid_argument).
  std::string expand(const std::string& name, const std::map<std::string, std::string>& values) const;
  // A new pipeline (floating reference sunk: caller owns it) from an expanded
  // description; nullptr and *error set when it does not parse or lacks the
  // `video`/`audio` entries.
  static GstElement* build(const std::string& description, std::string* error);

 private:
  std::map<std::string, std::string> descriptions_;
};

}  // namespace convene::recording
