#include <gtest/gtest.h>

#include "util/json.h"

using namespace convene;

TEST(Json, BuildsAndParsesRoundTrip) {
  json::Object o;
  o.set("name", "Ada").set("n", 3).set("ok", true).set_null("gone");
  json::Array a;
  a.add(std::string_view("x")).add(int64_t{2});
  o.set("list", std::move(a));
  std::string text = std::move(o).to_string();
  auto node = json::parse(text, nullptr);
  ASSERT_TRUE(node);
  JsonObject* p = json_node_get_object(node.get());
  EXPECT_EQ(json::require_string(p, "name"), "Ada");
  EXPECT_EQ(json::require_int(p, "n"), 3);
  EXPECT_EQ(json::optional_bool(p, "ok"), true);
  EXPECT_FALSE(json::optional_string(p, "gone").has_value());
  EXPECT_EQ(json_array_get_length(json::require_array(p, "list")), 2u);
}

TEST(Json, ReportsMalformedInput) {
  std::string err;
  EXPECT_FALSE(json::parse("{\"a\":", &err));
  EXPECT_FALSE(err.empty());
}

TEST(Json, FieldErrorsNameTheField) {
  auto node = json::parse(R"({"n":"three","s":4})", nullptr);
  JsonObject* p = json_node_get_object(node.get());
  try {
    json::require_int(p, "n");
    FAIL();
  } catch (const json::FieldError& e) {
    EXPECT_EQ(e.field, "n");
  }
  EXPECT_THROW(json::require_string(p, "s"), json::FieldError);
  EXPECT_THROW(json::require_string(p, "missing"), json::FieldError);
  EXPECT_FALSE(json::optional_int(p, "missing").has_value());
}
