#include <gtest/gtest.h>

#include "auth/password.h"
#include "auth/tokens.h"

using namespace convene::auth;

TEST(Tokens, IssueAndVerify) {
  TokenService t(std::string(40, 'k'));
  std::string tok = t.issue("access", "user-1", "ada", 60, {{"room", "r1"}});
  auto c = t.verify(tok, "access");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->subject, "user-1");
  EXPECT_EQ(c->username, "ada");
  EXPECT_EQ(c->extra["room"], "r1");
}

TEST(Tokens, RefusesWrongKindSecretExpiryAndTampering) {
  TokenService t(std::string(40, 'k'));
  TokenService other(std::string(40, 'z'));
  std::string tok = t.issue("ws", "user-1", "ada", 60);
  EXPECT_FALSE(t.verify(tok, "access"));
  EXPECT_FALSE(other.verify(tok, "ws"));
  EXPECT_FALSE(t.verify(t.issue("ws", "u", "n", -1), "ws"));
  std::string tampered = tok;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(t.verify(tampered, "ws"));
  // An unsigned token ("alg":"none") never passes.
  std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1Iiwia2luZCI6IndzIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
  EXPECT_FALSE(t.verify(none, "ws"));
}

TEST(Passwords, HashIsSaltedAndVerifies) {
  std::string h1 = hash_password("correct horse");
  std::string h2 = hash_password("correct horse");
  EXPECT_NE(h1, h2);
  EXPECT_EQ(h1.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(h1, "correct horse"));
  EXPECT_FALSE(verify_password(h1, "correct horsE"));
}
