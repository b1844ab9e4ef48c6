#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <fstream>

#include "config/config.h"

using convene::config::Config;

namespace {

std::string write_temp(const std::string& text) {
  g_autofree char* path = nullptr;
  int fd = g_file_open_tmp("convene-cfg-XXXXXX.ini", &path, nullptr);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Config, DefaultsApplyWithoutFile) {
  char* env[] = {nullptr};
  Config c = Config::load("", env);
  EXPECT_EQ(c.get_string("server", "host"), "127.0.0.1");
  EXPECT_EQ(c.get_int("server", "port"), 8080);
  EXPECT_EQ(c.origin("server", "port"), "default");
}

TEST(Config, FileThenEnvThenFlagOverride) {
  std::string path = write_temp("[server]\nport = 9000\nhost = 0.0.0.0\n");
  char e1[] = "CONVENE_SERVER_PORT=9100";
  char* env[] = {e1, nullptr};
  Config c = Config::load(path, env);
  EXPECT_EQ(c.get_string("server", "host"), "0.0.0.0");
  EXPECT_EQ(c.get_int("server", "port"), 9100);
  EXPECT_EQ(c.origin("server", "port"), "env");
  c.set("server", "port", "9200");
  EXPECT_EQ(c.get_int("server", "port"), 9200);
  EXPECT_EQ(c.origin("server", "port"), "flag");
  g_unlink(path.c_str());
}

TEST(Config, UnknownKeyStopsWithItsName) {
  std::string path = write_temp("[server]\nprot = 9000\n");
  char* env[] = {nullptr};
  try {
    Config::load(path, env);
    FAIL() << "unknown key accepted";
  } catch (const convene::config::Error& e) {
    EXPECT_NE(std::string(e.what()).find("prot"), std::string::npos) << e.what();
  }
  g_unlink(path.c_str());
}

TEST(Config, BadValueStopsWithItsName) {
  std::string path = write_temp("[server]\nport = lots\n");
  char* env[] = {nullptr};
  try {
    Config::load(path, env);
    FAIL() << "bad value accepted";
  } catch (const convene::config::Error& e) {
    EXPECT_NE(std::string(e.what()).find("port"), std::string::npos) << e.what();
  }
  char e1[] = "CONVENE_SERVER_PORT=abc";
  char* env2[] = {e1, nullptr};
  EXPECT_THROW(Config::load("", env2), convene::config::Error);
  g_unlink(path.c_str());
}

// config/convene.ini is the documentation of every key: it must load, and
// name every key the schema has.
TEST(Config, ExampleFileDocumentsEveryKey) {
  std::string path = std::string(g_getenv("CONVENE_SOURCE_DIR")) + "/config/convene.ini";
  char* env[] = {nullptr};
  EXPECT_NO_THROW(Config::load(path, env));
  g_autofree char* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
  std::string ini = text;
  for (const auto& k : convene::config::schema()) {
    std::string section = std::string("[") + k.section + "]";
    EXPECT_NE(ini.find(section), std::string::npos) << section;
    // Documented either set or commented out: "key =" or "# key =".
    EXPECT_NE(ini.find(std::string(k.key) + " ="), std::string::npos) << k.section << "." << k.key;
  }
}
