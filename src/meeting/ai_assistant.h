// Meeting summaries and reply suggestions from a transcript, through the
// configured provider: `local` (the extractive summariser, no network) or
// `openai-compatible` (any chat-completions endpoint: llama.cpp, Ollama, a
// hosted one), called asynchronously through libsoup with a timeout.
//
// Threads: main loop only (libsoup's async client runs on it).
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <string>
#include <vector>

#include "meeting/summarizer.h"
#include "util/gobject_ptr.h"

namespace convene::meeting {

struct AiSettings {
  std::string provider = "local";  // local | openai-compatible
  std::string url;                 // base URL, e.g. http://127.0.0.1:11434/v1
  std::string model;
  std::string api_key;
  int timeout_sec = 30;
};

class AiAssistant {
 public:
  explicit AiAssistant(AiSettings settings);

  // `done(error, summary)`: error is empty on success.
  void summarize(const std::vector<TranscriptLine>& lines,
                 std::function<void(std::string error, Summary summary)> done);
  // `done(error, replies)`: three suggestions.
  void suggest(const std::vector<TranscriptLine>& lines,
               std::function<void(std::string error, std::vector<std::string> replies)> done);

  const AiSettings& settings() const { return settings_; }

 private:
  // POSTs one chat completion; `done(error, content)`.
  void complete(const std::string& system_prompt, const std::string& user_prompt,
                std::function<void(std::string error, std::string content)> done);

  AiSettings settings_;
  GObjectPtr<SoupSession> session_;
};

// "ada: text" lines, newest last, bounded to the last `max_chars` characters.
std::string transcript_text(const std::vector<TranscriptLine>& lines, size_t max_chars = 24000);

}  // namespace convene::meeting
