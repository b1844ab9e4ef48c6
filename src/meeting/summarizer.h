// The `local` AI provider: an extractive summariser that needs no network.
// Sentences are scored by the frequency of their content words (a classic
// Luhn-style summary); action items and decisions are found by their phrasing.
#pragma once

#include <string>
#include <vector>

namespace convene::meeting {

struct TranscriptLine {
  std::string speaker;
  std::string text;
  int64_t at_ms = 0;
};

struct Summary {
  std::vector<std::string> key_points;
  std::vector<std::string> action_items;
  std::vector<std::string> decisions;
};

// Up to `max_points` key points, in the order they were said.
Summary summarize_locally(const std::vector<TranscriptLine>& lines, size_t max_points = 5);

// Three short replies that fit the last things said (for the chat box).
std::vector<std::string> suggest_replies_locally(const std::vector<TranscriptLine>& lines);

// Splits text into sentences (on . ! ? and line ends), trimmed, non-empty.
std::vector<std::string> split_sentences(const std::string& text);

}  // namespace convene::meeting
