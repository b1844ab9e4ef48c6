#include "http/exchange.h"

#include "http/byte_range.h"
#include "http/error.h"
#include "http/server.h"
#include "store/value.h"
#include "util/log.h"
#include "util/random.h"
#include "util/time.h"

#define GST_CAT_DEFAULT convene_http_debug

namespace convene::http {
namespace {

// A request id a client or proxy may choose: short, and safe in logs and headers.
bool sane_request_id(const char* id) {
  if (!id) return false;
  size_t n = strlen(id);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; ++i)
    if (!g_ascii_isalnum(id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.') return false;
  return true;
}

}  // namespace

Exchange::Exchange(Server* server, SoupServerMessage* msg, std::string path, GHashTable* query)
    : server_(server),
      msg_(retain(msg)),
      method_(soup_server_message_get_method(msg)),
      path_(std::move(path)),
      started_us_(timeutil::monotonic_us()) {
  if (server_) {
    origin_ = server_->client_origin(msg);
  } else {
    const char* peer = soup_server_message_get_remote_host(msg);
    origin_.address = peer ? peer : "unknown";
  }
  if (query) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, query);
    while (g_hash_table_iter_next(&it, &k, &v))
      query_[static_cast<const char*>(k)] = v ? static_cast<const char*>(v) : "";
  }
  const char* given = header("X-Request-Id");
  request_id_ = sane_request_id(given) ? given : random::hex_token(8);
  add_header("X-Request-Id", request_id_);
}

Exchange::~Exchange() {
  if (!responded_) {
    failure_ = "dropped without a reply";
    error(500, "internal_error", "the server did not answer this request");
  }
}

const std::string& Exchange::param(const std::string& name) const {
  static const std::string empty;
  auto it = params_.find(name);
  return it == params_.end() ? empty : it->second;
}

std::optional<std::string> Exchange::query(const std::string& name) const {
  auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

const char* Exchange::header(const char* name) const {
  return soup_message_headers_get_one(soup_server_message_get_request_headers(msg_.get()), name);
}

std::optional<std::string> Exchange::cookie(const char* name) const {
  const char* raw = header("Cookie");
  if (!raw) return std::nullopt;
  g_auto(GStrv) parts = g_strsplit(raw, ";", -1);
  for (char** p = parts; *p; ++p) {
    char* kv = g_strstrip(*p);
    const char* eq = strchr(kv, '=');
    if (!eq) continue;
    if (std::string_view(kv, eq - kv) == name) return std::string(eq + 1);
  }
  return std::nullopt;
}

std::string_view Exchange::body() const {
  SoupMessageBody* b = soup_server_message_get_request_body(msg_.get());
  if (!b || !b->data) return {};
  return std::string_view(b->data, static_cast<size_t>(b->length));
}

JsonObject* Exchange::json_body() {
  if (!json_body_) {
    std::string_view text = body();
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      json_body_ = json::Object().node();
    } else {
      std::string err;
      json_body_ = json::parse(text, &err);
      if (!json_body_) throw Error(400, "malformed_json", "the request body is not valid JSON: " + err);
    }
    if (!JSON_NODE_HOLDS_OBJECT(json_body_.get())) {
      json_body_.reset();
      throw Error(400, "malformed_json", "the request body must be a JSON object");
    }
  }
  return json_node_get_object(json_body_.get());
}

void Exchange::add_header(const char* name, const std::string& value) {
  soup_message_headers_replace(soup_server_message_get_response_headers(msg_.get()), name, value.c_str());
}

void Exchange::set_cookie(const std::string& set_cookie_value) {
  soup_message_headers_append(soup_server_message_get_response_headers(msg_.get()), "Set-Cookie",
                              set_cookie_value.c_str());
}

void Exchange::json(int status, json::Object&& body) { json(status, std::move(body).node()); }
void Exchange::json(int status, json::Array&& body) { json(status, std::move(body).node()); }

void Exchange::json(int status, JsonNodePtr body) {
  if (responded_) return;
  std::string text = json::stringify(body.get());
  g_autoptr(GBytes) bytes_body = g_bytes_new(text.data(), text.size());
  bytes(status, "application/json", bytes_body);
}

void Exchange::error(int status, const std::string& code, const std::string& message) {
  if (responded_) return;
  json::Object inner;
  inner.set("code", code).set("message", message);
  json::Object outer;
  outer.set("error", std::move(inner));
  json(status, std::move(outer));
}

void Exchange::bytes(int status, const char* content_type, GBytes* body) {
  if (responded_) return;
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg_.get());
  if (content_type)
    soup_message_headers_replace(headers, "Content-Type", content_type);
  else
    soup_message_headers_remove(headers, "Content-Type");  // a relayed answer without one (a proxied 204)
  SoupMessageBody* response = soup_server_message_get_response_body(msg_.get());
  soup_message_body_truncate(response);
  if (g_bytes_get_size(body) > 0) soup_message_body_append_bytes(response, body);  // it refuses an empty one
  finish(status);
}

void Exchange::ranged_bytes(const char* content_type, GBytes* whole) {
  if (responded_) return;
  const auto size = static_cast<int64_t>(g_bytes_get_size(whole));
  SoupMessageHeaders* response = soup_server_message_get_response_headers(msg_.get());
  soup_message_headers_replace(response, "Accept-Ranges", "bytes");
  const ByteRange range = byte_range_of(soup_server_message_get_request_headers(msg_.get()), size);
  switch (range.kind) {
    case ByteRange::Kind::Whole: bytes(200, content_type, whole); return;
    case ByteRange::Kind::Unsatisfiable:
      soup_message_headers_replace(response, "Content-Range", ("bytes */" + std::to_string(size)).c_str());
      error(416, "range_not_satisfiable", "the range is outside the file");
      return;
    case ByteRange::Kind::Part: {
      soup_message_headers_set_content_range(response, range.first, range.last, size);
      g_autoptr(GBytes) part = g_bytes_new_from_bytes(whole, static_cast<gsize>(range.first),
                                                      static_cast<gsize>(range.last - range.first + 1));
      bytes(206, content_type, part);
      return;
    }
  }
}

void Exchange::no_content() {
  if (responded_) return;
  finish(204);
}

void Exchange::fail(std::exception_ptr error_ptr) {
  try {
    std::rethrow_exception(error_ptr);
  } catch (const Error& e) {
    error(e.status, e.code, e.what());
  } catch (const json::FieldError& e) {
    error(400, "invalid_field", e.what());
  } catch (const store::Error& e) {
    switch (e.kind) {
      case store::ErrorKind::Unavailable:
        failure_ = std::string("store unavailable: ") + e.what();
        error(503, "database_unavailable", "the database cannot be reached; try again shortly");
        break;
      case store::ErrorKind::Conflict:
        error(409, "conflict", "that already exists");
        break;
      case store::ErrorKind::Query:
        failure_ = std::string("store error: ") + e.what();
        error(500, "internal_error", "the server failed to handle this request");
        break;
    }
  } catch (const std::exception& e) {
    failure_ = e.what();
    error(500, "internal_error", "the server failed to handle this request");
  }
}

void Exchange::release_unanswered() {
  if (responded_) return;
  responded_ = true;
  soup_server_message_unpause(msg_.get());
}

void Exchange::finish(int status) {
  responded_ = true;
  status_ = status;
  soup_server_message_set_status(msg_.get(), static_cast<guint>(status), nullptr);
  // libsoup would otherwise slice a 200 to the request's Range as it writes
  // it (byte_range.h says why not); ranged_bytes has answered it already.
  soup_message_headers_remove(soup_server_message_get_request_headers(msg_.get()), "Range");
  if (server_) server_->before_send(*this);
  soup_server_message_unpause(msg_.get());
  // One line per request; a 5xx is an error line with its cause (the one
  // place a 5xx is logged; 503, a database out of reach, a warning), both
  // with the request id.
  log::Scope scope{{"request_id", request_id_}};
  double ms = (timeutil::monotonic_us() - started_us_) / 1000.0;
  if (status == 503)
    GST_WARNING("%s %s %d %.1fms request %s: %s", method_.c_str(), path_.c_str(), status, ms, request_id_.c_str(),
                failure_.empty() ? "(no cause recorded)" : failure_.c_str());
  else if (status >= 500)
    GST_ERROR("%s %s %d %.1fms request %s: %s", method_.c_str(), path_.c_str(), status, ms, request_id_.c_str(),
              failure_.empty() ? "(no cause recorded)" : failure_.c_str());
  else
    GST_INFO("%s %s %d %.1fms", method_.c_str(), path_.c_str(), status, ms);
}

}  // namespace convene::http
