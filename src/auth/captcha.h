// The math captcha: "7 + 5 = ?". The answer travels inside a signed token as
// an HMAC keyed with the server secret (never in clear, not guessable from
// the token), and each token is accepted once (its id is recorded in the store).
#pragma once

#include <string>

#include "auth/tokens.h"
#include "store/connection.h"

namespace convene::auth {

struct CaptchaChallenge {
  std::string token;
  std::string question;
};

class Captcha {
 public:
  Captcha(const TokenService& tokens, std::string secret) : tokens_(tokens), secret_(std::move(secret)) {}

  CaptchaChallenge issue() const;

  enum class Verdict { Ok, Wrong, Expired, Used };
  // Checks the answer and consumes the token (on a store worker).
  Verdict check_and_consume(store::Connection& c, const std::string& token, const std::string& answer) const;

 private:
  std::string answer_mac(const std::string& token_id, const std::string& answer) const;

  const TokenService& tokens_;
  std::string secret_;
};

}  // namespace convene::auth
