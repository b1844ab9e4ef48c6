// The JSON log line: its fields, the module taken from the category, invalid
// UTF-8 repaired, and the fields of log::Scope.
#include <gtest/gtest.h>

#include "util/json.h"
#include "util/log.h"

using namespace convene;

namespace {

JsonObject* parsed(const std::string& line, JsonNodePtr& keep) {
  keep = json::parse(line, nullptr);
  EXPECT_TRUE(keep && JSON_NODE_HOLDS_OBJECT(keep.get())) << line;
  return keep ? json_node_get_object(keep.get()) : nullptr;
}

}  // namespace

TEST(JsonLogLine, CarriesEveryField) {
  JsonNodePtr keep;
  // 2025-12-01T12:00:00.250Z
  JsonObject* o = parsed(log::json_line(1764590400250000, GST_LEVEL_WARNING, "convene-media", "/src/media/x.cpp",
                                        "fn", 42, "webrtcbin3", "quote \" and\nnewline", {{"room_id", "r1"}}),
                         keep);
  ASSERT_TRUE(o);
  EXPECT_STREQ(json_object_get_string_member(o, "ts"), "2025-12-01T12:00:00.250Z");
  EXPECT_STREQ(json_object_get_string_member(o, "level"), "warning");
  EXPECT_STREQ(json_object_get_string_member(o, "category"), "convene-media");
  EXPECT_STREQ(json_object_get_string_member(o, "module"), "media");
  EXPECT_STREQ(json_object_get_string_member(o, "message"), "quote \" and\nnewline");
  EXPECT_STREQ(json_object_get_string_member(o, "source"), "x.cpp:42");
  EXPECT_STREQ(json_object_get_string_member(o, "function"), "fn");
  EXPECT_STREQ(json_object_get_string_member(o, "object"), "webrtcbin3");
  EXPECT_STREQ(json_object_get_string_member(o, "room_id"), "r1");
}

TEST(JsonLogLine, ForeignCategoriesAndBadUtf8) {
  JsonNodePtr keep;
  std::string line = log::json_line(0, GST_LEVEL_ERROR, "webrtcbin", nullptr, nullptr, 0, nullptr, "bad \xff byte", {});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  JsonObject* o = parsed(line, keep);
  ASSERT_TRUE(o);
  EXPECT_STREQ(json_object_get_string_member(o, "module"), "webrtcbin");
  EXPECT_STREQ(json_object_get_string_member(o, "level"), "error");
  EXPECT_TRUE(g_utf8_validate(json_object_get_string_member(o, "message"), -1, nullptr));
  EXPECT_FALSE(json_object_has_member(o, "source"));
}
