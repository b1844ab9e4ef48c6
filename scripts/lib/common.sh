# Shared by scripts/run and scripts/test: find the repo, install what is
# missing (Debian packages, npm packages), build.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Packages to build and run the server.
RUN_PACKAGES=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libpq-dev libjwt-dev
  libsodium-dev libcurl4-openssl-dev libgtest-dev libgmock-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libnice-dev
  libsrt-gnutls-dev libsrtp2-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x
  ca-certificates
)
# What the test suite needs on top: real peers and tools it starts itself.
TEST_PACKAGES=(
  postgresql ffmpeg iproute2 sqlite3 curl procps openssl nginx libnginx-mod-rtmp prometheus python3-yaml
  chromium fonts-noto-color-emoji
  clang libclang-rt-14-dev libfuzzer-14-dev llvm-14
)
# What benchmarks install for themselves (bench/sfu-bench --against janus).
BENCH_PACKAGES=(janus iproute2)

# Installs the Debian packages of the arguments that are not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  say "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node and npm: the machine may already have them (e.g. a Node.js build that
# bundles npm, which conflicts with Debian's npm package); install only what
# is missing.
install_node() {
  command -v node >/dev/null 2>&1 || install_packages nodejs
  command -v npm >/dev/null 2>&1 || install_packages npm
}

# The web client is plain ES modules served as they are; its npm packages
# are the browser-test tools (pinned in web/package-lock.json). A build step,
# if one is ever added, runs here too.
build_web() {
  [ -f web/package.json ] || return 0
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    say "installing the web client's npm packages"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd web && npm run --silent --if-present build)
}

# meson setup, once, for a build directory; extra args go to setup.
configure_build() {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configure: $dir"
    meson setup "$dir" "$@" >/dev/null
  fi
}

# meson setup (once) + ninja for everything in a build directory.
build_server() {
  local dir="$1"; shift
  configure_build "$dir" "$@"
  say "building $dir"
  ninja -C "$dir"
}

# Only the named targets of a configured build directory, each step shown as
# "build N of M" (M counts only what these targets still need).
build_targets() {
  local dir="$1"; shift
  NINJA_STATUS='    build %f of %t: ' ninja -C "$dir" "$@"
}
