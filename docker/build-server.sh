#!/bin/sh
# The Dockerfile's server stage, also run natively by tests/docker/build_test.sh:
# configures a release build without the tests (no GTest needed), builds the
# server and the GStreamer plugin, and installs them under DESTDIR with the
# pipeline descriptions. Run from the repository root (or the stage's /src).
#   docker/build-server.sh BUILD_DIR DESTDIR
set -eu
build="$1" dest="$2"
meson setup "$build" --buildtype=release --prefix=/usr -Dtests=false
ninja -C "$build"
DESTDIR="$dest" meson install -C "$build" --no-rebuild --quiet
mkdir -p "$dest/usr/share/convene/pipelines"
cp pipelines/*.pipeline "$dest/usr/share/convene/pipelines/"
test -x "$dest/usr/bin/convene"
