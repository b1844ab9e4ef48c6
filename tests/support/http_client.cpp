#include "http_client.h"

#include <stdexcept>

namespace convene::testing {

JsonNodePtr Response::json() const { return json::parse(body, nullptr); }

std::string Response::str(const char* member) const {
  auto n = json();
  if (!n || !JSON_NODE_HOLDS_OBJECT(n.get())) return "";
  JsonObject* o = json_node_get_object(n.get());
  if (!json_object_has_member(o, member)) return "";
  JsonNode* m = json_object_get_member(o, member);
  if (JSON_NODE_HOLDS_VALUE(m) && json_node_get_value_type(m) == G_TYPE_STRING) return json_node_get_string(m);
  return "";
}

std::string Response::error_code() const {
  auto n = json();
  if (!n || !JSON_NODE_HOLDS_OBJECT(n.get())) return "";
  JsonObject* o = json_node_get_object(n.get());
  if (!json_object_has_member(o, "error")) return "";
  JsonObject* e = json_object_get_object_member(o, "error");
  return e && json_object_has_member(e, "code") ? json_object_get_string_member(e, "code") : "";
}

HttpClient::HttpClient(std::string base_url) : base_url_(std::move(base_url)) {
  session_ = adopt(soup_session_new_with_options("timeout", 30, nullptr));
  soup_session_add_feature_by_type(session_.get(), SOUP_TYPE_COOKIE_JAR);
}

Response HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                             const std::map<std::string, std::string>& headers) {
  std::string url = base_url_ + path;
  g_autoptr(SoupMessage) msg = soup_message_new(method.c_str(), url.c_str());
  if (!msg) throw std::runtime_error("bad URL " + url);
  SoupMessageHeaders* req = soup_message_get_request_headers(msg);
  if (!follow_redirects_) soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
  if (accept_any_certificate_)
    g_signal_connect(msg, "accept-certificate",
                     G_CALLBACK(+[](SoupMessage*, GTlsCertificate*, GTlsCertificateFlags) -> gboolean { return TRUE; }),
                     nullptr);
  if (!token_.empty()) soup_message_headers_replace(req, "Authorization", ("Bearer " + token_).c_str());
  for (auto& [k, v] : headers) soup_message_headers_replace(req, k.c_str(), v.c_str());
  // Explicit cookies (replaying a stolen token) must not be replaced by the jar's.
  if (headers.count("Cookie")) soup_message_disable_feature(msg, SOUP_TYPE_COOKIE_JAR);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    g_autoptr(GBytes) b = g_bytes_new(body.data(), body.size());
    // A copy: setting the body replaces the header the pointer would point into.
    const char* given = soup_message_headers_get_one(req, "Content-Type");
    std::string ct = given ? given : "application/json";
    soup_message_set_request_body_from_bytes(msg, ct.c_str(), b);
  }
  g_autoptr(GError) err = nullptr;
  g_autoptr(GBytes) out = soup_session_send_and_read(session_.get(), msg, nullptr, &err);
  Response r;
  if (!out) throw std::runtime_error("HTTP " + method + " " + path + " failed: " + err->message);
  r.status = static_cast<int>(soup_message_get_status(msg));
  gsize n = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(out, &n));
  r.body.assign(data ? data : "", n);
  SoupMessageHeadersIter it;
  const char *name, *value;
  soup_message_headers_iter_init(&it, soup_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&it, &name, &value)) {
    g_autofree char* lower = g_ascii_strdown(name, -1);
    r.headers[lower] = value;
    if (g_str_equal(lower, "set-cookie")) r.set_cookies.push_back(value);
  }
  return r;
}

std::string HttpClient::cookie_value(const std::string& name) const {
  SoupCookieJar* jar = SOUP_COOKIE_JAR(soup_session_get_feature(session_.get(), SOUP_TYPE_COOKIE_JAR));
  GSList* all = soup_cookie_jar_all_cookies(jar);
  std::string value;
  for (GSList* l = all; l; l = l->next)
    if (name == soup_cookie_get_name(static_cast<SoupCookie*>(l->data)))
      value = soup_cookie_get_value(static_cast<SoupCookie*>(l->data));
  g_slist_free_full(all, reinterpret_cast<GDestroyNotify>(soup_cookie_free));
  return value;
}

std::string HttpClient::register_user(const std::string& username, const std::string& password) {
  std::string body = "{\"email\":\"" + username + "@example.test\",\"username\":\"" + username +
                     "\",\"password\":\"" + password + "\"}";
  Response r = post("/auth/register", body);
  if (r.status != 201) throw std::runtime_error("register " + username + " failed: " + r.body);
  auto n = r.json();
  JsonObject* o = json_node_get_object(n.get());
  token_ = json_object_get_string_member(o, "accessToken");
  return json_object_get_string_member(json_object_get_object_member(o, "user"), "id");
}

}  // namespace convene::testing
