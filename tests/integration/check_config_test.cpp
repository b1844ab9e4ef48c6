// `convene check-config`: the effective configuration (file, environment,
// flags) with secrets masked, and an exit status scripts can use.
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace std::string_literals;

namespace {

// Runs the binary with args; returns the exit status, stdout + stderr in `out`.
int run_cli(const std::vector<std::string>& args, std::string* out, const std::map<std::string, std::string>& env = {}) {
  std::string bin = g_getenv("CONVENE_BINARY");
  std::vector<const char*> argv = {bin.c_str()};
  for (auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
      static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE));
  // Only what the test sets: no CONVENE_* of the caller's environment.
  const char* empty_env[] = {nullptr};
  g_subprocess_launcher_set_environ(l, const_cast<char**>(empty_env));
  for (auto& [k, v] : env) g_subprocess_launcher_setenv(l, k.c_str(), v.c_str(), TRUE);
  g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, argv.data(), nullptr);
  g_autofree char* text = nullptr;
  g_subprocess_communicate_utf8(p, nullptr, nullptr, &text, nullptr, nullptr);
  *out = text ? text : "";
  return g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
}

struct ConfigFile {
  explicit ConfigFile(const std::string& text) {
    g_autofree char* d = g_dir_make_tmp("convene-check-XXXXXX", nullptr);
    dir = d;
    path = dir + "/convene.ini";
    g_file_set_contents(path.c_str(), text.c_str(), -1, nullptr);
  }
  ~ConfigFile() {
    g_remove(path.c_str());
    g_rmdir(dir.c_str());
  }
  std::string dir, path;
};

bool has(const std::string& out, const std::string& what) { return out.find(what) != std::string::npos; }

}  // namespace

TEST(CheckConfig, DefaultsAreValidAndPrinted) {
  std::string out;
  ASSERT_EQ(run_cli({"check-config"}, &out), 0) << out;
  EXPECT_TRUE(has(out, "[server]\n")) << out;
  EXPECT_TRUE(has(out, "port = 8080  # default")) << out;
  EXPECT_TRUE(has(out, "trusted_proxies =   # default")) << out;
  EXPECT_TRUE(has(out, "configuration OK")) << out;
}

TEST(CheckConfig, FileAndEnvironmentWithSecretsMasked) {
  ConfigFile file(
      "[server]\nport = 9000\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8\n"
      "[database]\nurl = postgresql://convene:db-pass-123@db:5432/convene\n"
      "[auth]\nsecret = file-secret-0123456789abcdef0123456789\n"
      "[smtp]\npassword = smtp-pass-456\n");
  std::string out;
  ASSERT_EQ(run_cli({"check-config", "--config", file.path}, &out,
                    {{"CONVENE_ICE_TURN_SECRET", "turn-secret-789"}, {"CONVENE_SERVER_HOST", "0.0.0.0"}}),
            0)
      << out;
  EXPECT_TRUE(has(out, "port = 9000  # file")) << out;
  EXPECT_TRUE(has(out, "host = 0.0.0.0  # env")) << out;
  EXPECT_TRUE(has(out, "trusted_proxies = 127.0.0.1, 10.0.0.0/8  # file")) << out;
  EXPECT_TRUE(has(out, "url = postgresql://convene:********@db:5432/convene  # file")) << out;
  EXPECT_TRUE(has(out, "secret = ********  # file")) << out;
  EXPECT_TRUE(has(out, "turn_secret = ********  # env")) << out;
  // Not secrets: a key whose name merely starts with "password".
  EXPECT_TRUE(has(out, "password_hash_threads = 2  # default")) << out;
  for (const char* secret : {"db-pass-123", "file-secret-0123456789", "smtp-pass-456", "turn-secret-789"})
    EXPECT_FALSE(has(out, secret)) << secret << " printed:\n" << out;
}

TEST(CheckConfig, InvalidValuesExitOneNamingTheKey) {
  std::string out;
  {
    ConfigFile file("[server]\nport = eighty\n");
    EXPECT_EQ(run_cli({"check-config", "--config", file.path}, &out), 1) << out;
    EXPECT_TRUE(has(out, "[server] port")) << out;
  }
  {
    ConfigFile file("[server]\nno_such_key = 1\n");
    EXPECT_EQ(run_cli({"check-config", "--config", file.path}, &out), 1) << out;
    EXPECT_TRUE(has(out, "no_such_key")) << out;
  }
  {
    ConfigFile file("[server]\ntrusted_proxies = 127.0.0.1, 300.1.2.3/8\n[media]\nmin_port = 50000\nmax_port = 40000\n");
    EXPECT_EQ(run_cli({"check-config", "--config", file.path}, &out), 1) << out;
    EXPECT_TRUE(has(out, "trusted_proxies")) << out;
    EXPECT_TRUE(has(out, "300.1.2.3/8")) << out;
    EXPECT_TRUE(has(out, "min_port")) << out;
  }
  EXPECT_EQ(run_cli({"check-config"}, &out, {{"CONVENE_RATELIMIT_ENABLED", "maybe"}}), 1) << out;
  EXPECT_TRUE(has(out, "CONVENE_RATELIMIT_ENABLED")) << out;
  EXPECT_EQ(run_cli({"check-config", "--config", "/nonexistent/convene.ini"}, &out), 1) << out;
}

TEST(CheckConfig, UsageErrorsExitTwo) {
  std::string out;
  EXPECT_EQ(run_cli({"check-config", "--no-such-flag"}, &out), 2) << out;
  EXPECT_EQ(run_cli({"check-config", "extra"}, &out), 2) << out;
  EXPECT_EQ(run_cli({"check-config", "--config"}, &out), 2) << out;
}

// Cluster mode on SQLite cannot work: check-config says so before a start does.
TEST(CheckConfig, ClusterModeOnSqliteIsAnError) {
  std::string out;
  EXPECT_NE(run_cli({"check-config"}, &out, {{"CONVENE_CLUSTER_ENABLED", "true"}}), 0) << out;
  EXPECT_TRUE(has(out, "[cluster] enabled needs PostgreSQL")) << out;
  EXPECT_EQ(run_cli({"check-config"}, &out,
                    {{"CONVENE_CLUSTER_ENABLED", "true"},
                     {"CONVENE_DATABASE_URL", "postgresql://db/convene"},
                     {"CONVENE_AUTH_SECRET", "a-shared-secret-of-at-least-32-characters"}}),
            0)
      << out;
}
