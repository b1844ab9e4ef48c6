#!/bin/sh
# The Dockerfile's client stage, also run natively by tests/docker/build_test.sh:
# installs the pinned npm packages and builds web/dist (the pages, Chart.js and
# hls.js). Run from the repository root (or the stage's /src). Extra arguments go to npm ci.
set -eu
cd web
npm ci --no-audit --no-fund --loglevel=error "$@"
npm run build
test -f dist/index.html && test -f dist/vendor/chart.umd.min.js && test -f dist/vendor/hls.min.js
