#include "meeting/summarizer.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

namespace convene::meeting {
namespace {

const std::set<std::string>& stop_words() {
  static const std::set<std::string> words = {
      "a", "an", "the", "and", "or", "but", "if", "then", "so", "to", "of", "in", "on", "at", "for",
      "with", "about", "as", "by", "from", "into", "is", "are", "was", "were", "be", "been", "being",
      "it", "its", "this", "that", "these", "those", "i", "you", "he", "she", "we", "they", "me",
      "him", "her", "us", "them", "my", "your", "our", "their", "do", "does", "did", "have", "has",
      "had", "will", "would", "can", "could", "should", "shall", "may", "might", "must", "not", "no",
      "yes", "just", "also", "very", "really", "okay", "ok", "um", "uh", "like", "yeah", "there",
      "here", "what", "which", "who", "when", "where", "why", "how", "all", "some", "any", "more",
      "most", "other", "such", "only", "own", "same", "too", "than", "let", "lets", "let's", "going",
      "get", "got", "think", "know", "well", "right", "now", "one"};
  return words;
}

std::vector<std::string> words_of(const std::string& sentence) {
  std::vector<std::string> out;
  g_autofree char* lower = g_utf8_strdown(sentence.c_str(), -1);
  std::string cur;
  for (const char* p = lower; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (g_unichar_isalnum(c) || c == '\'') {
      char buf[8];
      int n = g_unichar_to_utf8(c, buf);
      cur.append(buf, n);
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool is_content_word(const std::string& w) { return w.size() > 2 && !stop_words().count(w); }

std::string strip(const std::string& s) {
  g_autofree char* copy = g_strdup(s.c_str());
  return g_strstrip(copy);
}

// Phrasings that turn a sentence into an action item or a decision.
const std::regex& action_pattern() {
  static const std::regex re(
      R"(\b(i will|i'll|we will|we'll|you will|you'll|will you|can you|could you|please|todo|to do|action item|follow up|follow-up|needs? to|have to|has to|going to|assign(ed)?|by (monday|tuesday|wednesday|thursday|friday|tomorrow|next week|end of)|deadline|take care of)\b)",
      std::regex::icase);
  return re;
}

const std::regex& decision_pattern() {
  static const std::regex re(
      R"(\b(we decided|decided|decision|agreed|we agree|let's go with|lets go with|we'll go with|we will go with|approved|settled on|final answer|conclusion|we chose|chosen|resolved to)\b)",
      std::regex::icase);
  return re;
}

}  // namespace

std::vector<std::string> split_sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    cur += c;
    bool end = c == '.' || c == '!' || c == '?' || c == '\n';
    // "3.5" or "e.g." are not ends: require a space, end of text, or newline next.
    if (end && (c == '\n' || i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
      std::string s = strip(cur);
      if (!s.empty() && s != "." && s != "!" && s != "?") out.push_back(s);
      cur.clear();
    }
  }
  std::string s = strip(cur);
  if (!s.empty()) out.push_back(s);
  return out;
}

Summary summarize_locally(const std::vector<TranscriptLine>& lines, size_t max_points) {
  struct Sentence {
    std::string text;
    std::string speaker;
    size_t order;
    double score = 0;
  };
  std::vector<Sentence> sentences;
  std::map<std::string, int> freq;
  for (const auto& line : lines) {
    for (auto& s : split_sentences(line.text)) {
      for (auto& w : words_of(s))
        if (is_content_word(w)) ++freq[w];
      sentences.push_back({s, line.speaker, sentences.size()});
    }
  }
  Summary out;
  if (sentences.empty()) return out;

  std::set<std::string> seen_actions, seen_decisions;
  for (auto& s : sentences) {
    auto ws = words_of(s.text);
    int content = 0;
    double sum = 0;
    for (auto& w : ws)
      if (is_content_word(w)) {
        ++content;
        sum += freq[w];
      }
    // Favour sentences dense in the meeting's recurring words; very short ones say little.
    s.score = content >= 3 ? sum / std::sqrt(static_cast<double>(ws.size())) : 0;
    std::string attributed = s.speaker.empty() ? s.text : s.speaker + ": " + s.text;
    if (std::regex_search(s.text, decision_pattern())) {
      if (seen_decisions.insert(s.text).second) out.decisions.push_back(attributed);
    } else if (std::regex_search(s.text, action_pattern())) {
      if (seen_actions.insert(s.text).second) out.action_items.push_back(attributed);
    }
  }
  std::vector<Sentence> ranked = sentences;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Sentence& a, const Sentence& b) { return a.score > b.score; });
  std::vector<Sentence> chosen;
  std::set<std::string> taken;
  for (auto& s : ranked) {
    if (chosen.size() >= max_points || s.score <= 0) break;
    if (taken.insert(s.text).second) chosen.push_back(s);
  }
  std::sort(chosen.begin(), chosen.end(), [](const Sentence& a, const Sentence& b) { return a.order < b.order; });
  for (auto& s : chosen) out.key_points.push_back(s.text);
  return out;
}

std::vector<std::string> suggest_replies_locally(const std::vector<TranscriptLine>& lines) {
  std::string last = lines.empty() ? "" : lines.back().text;
  g_autofree char* lower = g_utf8_strdown(last.c_str(), -1);
  std::string l = lower;
  if (l.find('?') != std::string::npos) {
    if (std::regex_search(l, std::regex(R"(\b(can|could|will|would) you\b)")))
      return {"Yes, I can take that.", "I'm not sure I can, let me check.", "Could you give me more detail?"};
    return {"Good question, let me think about it.", "I think the answer is yes.", "Can we come back to this later?"};
  }
  if (std::regex_search(l, decision_pattern()))
    return {"Agreed.", "Sounds good to me.", "Can we write that down as a decision?"};
  if (std::regex_search(l, action_pattern()))
    return {"Thanks, I'll follow up.", "Who owns this one?", "What's the deadline?"};
  return {"Thanks for sharing.", "Could you say more about that?", "I agree."};
}

}  // namespace convene::meeting
