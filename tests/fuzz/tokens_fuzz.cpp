// Token parsing (src/auth/tokens.*): what a client sends as a bearer token,
// access_token cookie, ?token= on /ws, captcha or OAuth flow cookie.
//
// The first byte picks the form of the rest:
//   0: the token as sent, checked for every kind the server accepts;
//   1: a claims payload, signed with the server's key (HS256), so the code
//      after the signature check (claims, extra grants) sees arbitrary JSON;
//   2: "header\npayload", both signed the same way (alg confusion, odd headers).
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/authenticator.h"
#include "auth/oauth_flow.h"
#include "auth/tokens.h"

namespace {

using namespace convene;

const std::string kSecret = "fuzzing-secret-0123456789abcdef0123456789";

std::string b64url(const std::string& s) {
  return auth::base64url(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string signed_token(const std::string& header, const std::string& payload) {
  std::string input = b64url(header) + "." + b64url(payload);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(kSecret.data()), kSecret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return input + "." + auth::base64url(mac, sizeof mac);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return sodium_init() < 0 ? 1 : 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const auth::TokenService tokens(kSecret);
  static const auth::Authenticator authn(tokens);
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  switch (data[0] % 3) {
    case 0: token = rest; break;
    case 1: token = signed_token(R"({"alg":"HS256","typ":"JWT"})", rest); break;
    case 2: {
      size_t nl = rest.find('\n');
      if (nl == std::string::npos) return 0;
      token = signed_token(rest.substr(0, nl), rest.substr(nl + 1));
      break;
    }
  }
  for (const char* kind : {"access", "ws", "captcha", "oauth"}) {
    if (auto claims = tokens.verify(token, kind)) {
      // A valid token names someone and is of the kind asked for.
      if (claims->subject.empty() || claims->kind != kind) __builtin_trap();
    }
  }
  authn.identify_websocket_token(token);
  return 0;
}
