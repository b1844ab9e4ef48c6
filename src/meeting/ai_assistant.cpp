#include "meeting/ai_assistant.h"

#include "util/json.h"
#include "util/log.h"

#define GST_CAT_DEFAULT convene_meeting_debug

namespace convene::meeting {
namespace {

// Models often wrap JSON in prose or ``` fences: take the outermost {...} or [...].
std::string extract_json(const std::string& content, char open, char close) {
  auto a = content.find(open);
  auto b = content.rfind(close);
  if (a == std::string::npos || b == std::string::npos || b < a) return "";
  return content.substr(a, b - a + 1);
}

std::vector<std::string> string_array(JsonObject* obj, const char* field) {
  std::vector<std::string> out;
  JsonArray* a = json::optional_array(obj, field);
  if (!a) return out;
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonNode* n = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
      out.emplace_back(json_node_get_string(n));
  }
  return out;
}

}  // namespace

std::string transcript_text(const std::vector<TranscriptLine>& lines, size_t max_chars) {
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string line = (it->speaker.empty() ? "" : it->speaker + ": ") + it->text + "\n";
    if (out.size() + line.size() > max_chars) break;
    out.insert(0, line);
  }
  return out;
}

AiAssistant::AiAssistant(AiSettings settings) : settings_(std::move(settings)) {
  session_ = adopt(soup_session_new_with_options("timeout", settings_.timeout_sec, "idle-timeout",
                                                 settings_.timeout_sec, nullptr));
}

void AiAssistant::complete(const std::string& system_prompt, const std::string& user_prompt,
                           std::function<void(std::string, std::string)> done) {
  std::string url = settings_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/chat/completions";
  g_autoptr(SoupMessage) msg = soup_message_new("POST", url.c_str());
  if (!msg) return done("the AI provider URL is not valid: " + url, "");
  json::Array messages;
  messages.add(std::move(json::Object().set("role", "system").set("content", system_prompt)));
  messages.add(std::move(json::Object().set("role", "user").set("content", user_prompt)));
  json::Object body;
  body.set("model", settings_.model).set("messages", std::move(messages)).set("temperature", 0.2);
  std::string text = std::move(body).to_string();
  g_autoptr(GBytes) bytes = g_bytes_new(text.data(), text.size());
  soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  if (!settings_.api_key.empty())
    soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
                                 ("Bearer " + settings_.api_key).c_str());

  auto* cb = new std::function<void(std::string, std::string)>(std::move(done));
  soup_session_send_and_read_async(
      session_.get(), msg, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer data) {
        std::unique_ptr<std::function<void(std::string, std::string)>> done(
            static_cast<std::function<void(std::string, std::string)>*>(data));
        g_autoptr(GError) err = nullptr;
        g_autoptr(GBytes) reply = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &err);
        SoupMessage* m = soup_session_get_async_result_message(SOUP_SESSION(src), res);
        if (!reply) return (*done)(std::string("the AI provider did not answer: ") + err->message, "");
        guint status = soup_message_get_status(m);
        gsize n = 0;
        const char* d = static_cast<const char*>(g_bytes_get_data(reply, &n));
        std::string body(d ? d : "", n);
        if (status != 200)
          return (*done)("the AI provider answered HTTP " + std::to_string(status), "");
        auto node = json::parse(body, nullptr);
        JsonObject* root = node && JSON_NODE_HOLDS_OBJECT(node.get()) ? json_node_get_object(node.get()) : nullptr;
        JsonArray* choices = root ? json::optional_array(root, "choices") : nullptr;
        if (!choices || json_array_get_length(choices) == 0)
          return (*done)("the AI provider's answer has no choices", "");
        JsonObject* first = json_array_get_object_element(choices, 0);
        JsonObject* message = first && json_object_has_member(first, "message")
                                  ? json_object_get_object_member(first, "message")
                                  : nullptr;
        auto content = message ? json::optional_string(message, "content") : std::nullopt;
        if (!content) return (*done)("the AI provider's answer has no message content", "");
        (*done)("", *content);
      },
      cb);
}

void AiAssistant::summarize(const std::vector<TranscriptLine>& lines,
                            std::function<void(std::string, Summary)> done) {
  if (settings_.provider != "openai-compatible") return done("", summarize_locally(lines));
  complete(
      "You summarise meeting transcripts. Reply with JSON only: "
      "{\"keyPoints\":[...],\"actionItems\":[...],\"decisions\":[...]}, each a list of short sentences.",
      transcript_text(lines), [done = std::move(done)](std::string error, std::string content) {
        if (!error.empty()) return done(error, {});
        auto node = json::parse(extract_json(content, '{', '}'), nullptr);
        if (!node || !JSON_NODE_HOLDS_OBJECT(node.get())) return done("the AI provider did not reply with JSON", {});
        JsonObject* o = json_node_get_object(node.get());
        Summary s;
        try {
          s.key_points = string_array(o, "keyPoints");
          s.action_items = string_array(o, "actionItems");
          s.decisions = string_array(o, "decisions");
        } catch (const json::FieldError& e) {
          return done(std::string("the AI provider's JSON is not a summary: ") + e.what(), {});
        }
        done("", std::move(s));
      });
}

void AiAssistant::suggest(const std::vector<TranscriptLine>& lines,
                          std::function<void(std::string, std::vector<std::string>)> done) {
  if (settings_.provider != "openai-compatible") return done("", suggest_replies_locally(lines));
  complete(
      "You suggest short chat replies for a meeting participant. Reply with a JSON array of exactly three strings.",
      transcript_text(lines, 6000), [done = std::move(done)](std::string error, std::string content) {
        if (!error.empty()) return done(error, {});
        auto node = json::parse(extract_json(content, '[', ']'), nullptr);
        if (!node || !JSON_NODE_HOLDS_ARRAY(node.get())) return done("the AI provider did not reply with a JSON array", {});
        std::vector<std::string> out;
        JsonArray* a = json_node_get_array(node.get());
        for (guint i = 0; i < json_array_get_length(a) && out.size() < 3; ++i) {
          JsonNode* n = json_array_get_element(a, i);
          if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
            out.emplace_back(json_node_get_string(n));
        }
        if (out.empty()) return done("the AI provider suggested nothing", {});
        done("", std::move(out));
      });
}

}  // namespace convene::meeting
