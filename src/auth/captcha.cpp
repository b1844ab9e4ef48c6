#include "auth/captcha.h"

#include <glib.h>
#include <sodium.h>

#include "util/time.h"

namespace convene::auth {
namespace {

constexpr int64_t kCaptchaTtlSec = 300;

std::string normalise_answer(const std::string& answer) {
  g_autofree char* copy = g_strstrip(g_strdup(answer.c_str()));
  char* end = nullptr;
  gint64 v = g_ascii_strtoll(copy, &end, 10);
  if (!*copy || (end && *end)) return "";  // not an integer
  return std::to_string(v);
}

}  // namespace

std::string Captcha::answer_mac(const std::string& token_id, const std::string& answer) const {
  g_autofree char* mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(secret_.data()),
                                                   secret_.size(), (token_id + ":" + answer).c_str(), -1);
  return mac;
}

CaptchaChallenge Captcha::issue() const {
  int a = static_cast<int>(randombytes_uniform(20)) + 1;
  int b = static_cast<int>(randombytes_uniform(20)) + 1;
  int op = static_cast<int>(randombytes_uniform(3));
  int answer = op == 0 ? a + b : op == 1 ? a - b : a * b;
  const char* sign = op == 0 ? "+" : op == 1 ? "-" : "*";
  // The token id is chosen first so the MAC can bind the answer to this token only.
  std::string jti_seed = std::to_string(randombytes_random()) + std::to_string(randombytes_random());
  std::string token = tokens_.issue("captcha", "captcha", "", kCaptchaTtlSec,
                                    {{"cid", jti_seed}, {"mac", answer_mac(jti_seed, std::to_string(answer))}});
  return {token, std::to_string(a) + " " + sign + " " + std::to_string(b) + " = ?"};
}

Captcha::Verdict Captcha::check_and_consume(store::Connection& c, const std::string& token,
                                            const std::string& answer) const {
  auto claims = tokens_.verify(token, "captcha");
  if (!claims) return Verdict::Expired;
  const std::string& cid = claims->extra["cid"];
  int64_t now = timeutil::now_ms();
  c.exec("DELETE FROM used_captchas WHERE expires_at < $1", {now});
  // Consumed whatever the answer: one guess per captcha.
  auto ins = c.exec("INSERT INTO used_captchas (token_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    {cid, claims->expires_at * 1000});
  if (ins.affected == 0) return Verdict::Used;
  std::string given = normalise_answer(answer);
  if (given.empty()) return Verdict::Wrong;
  std::string expected = claims->extra["mac"];
  std::string actual = answer_mac(cid, given);
  bool equal = expected.size() == actual.size() && sodium_memcmp(expected.data(), actual.data(), actual.size()) == 0;
  return equal ? Verdict::Ok : Verdict::Wrong;
}

}  // namespace convene::auth
