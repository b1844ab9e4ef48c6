#!/usr/bin/env bash
# The Dockerfile's build steps, natively, in a scratch directory (no Docker
# engine here): the build context (tracked and untracked files, as
# .gitignore/.dockerignore leave them) is copied, each build stage gets only
# what its COPY lines bring, docker/build-client.sh and docker/build-server.sh
# run there exactly as the client and build stages run them,
# the runtime stage's layout is assembled (installed tree + web/dist only),
# and the result must check its configuration and answer /health, /, and the
# vendored scripts with the image's environment. Suite 'docker' (minutes on a
# cold ccache): meson test -C build --suite docker
set -euo pipefail
src="${CONVENE_SOURCE_DIR:?}"
scratch="$(mktemp -d /tmp/convene-docker-XXXXXX)"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
step() { printf '== %s\n' "$*"; }
# Paths relative to the scratch directory, so a second run hits the ccache
# (the Docker build itself knows nothing of ccache).
export CCACHE_BASEDIR="$scratch" CCACHE_NOHASHDIR=1

step "build context -> $scratch/context"
mkdir -p "$scratch/context"
(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$src" && tar --null -T - -cf - 2>/dev/null) | (cd "$scratch/context" && tar -xf -)
# What .dockerignore leaves out must not be there (e.g. a local web/node_modules).
test ! -e "$scratch/context/web/node_modules" && test ! -e "$scratch/context/web/dist"

# A stage's files, exactly as its COPY lines (not --from) bring them from the context.
stage_files() {  # stage_files STAGE DIR
  python3 - "$src/docker/Dockerfile" "$1" "$scratch/context" "$2" <<'PY'
import os, re, shutil, sys
dockerfile, stage, context, root = sys.argv[1:]
text = re.sub(r"\\\n", " ", open(dockerfile).read())
current = None
for line in text.splitlines():
    words = line.split()
    if not words or words[0].startswith("#"):
        continue
    if words[0].upper() == "FROM":
        current = words[3] if len(words) > 3 and words[2].upper() == "AS" else None
    elif current == stage and words[0].upper() == "COPY" and not words[1].startswith("--"):
        *sources, dest = words[1:]
        for source in sources:
            path = os.path.join(context, source)
            target = os.path.join(root, dest)
            if os.path.isdir(path):
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                os.makedirs(target if dest.endswith("/") else os.path.dirname(target), exist_ok=True)
                shutil.copy2(path, os.path.join(target, os.path.basename(source)) if dest.endswith("/") else target)
PY
}

step "client stage: its COPY lines, then docker/build-client.sh (npm ci from the local npm cache, offline)"
stage_files client "$scratch/client"
(cd "$scratch/client" && docker/build-client.sh --offline)

step "build stage: its COPY lines, then docker/build-server.sh"
stage_files build "$scratch/src"
(cd "$scratch/src" && docker/build-server.sh "$scratch/build" "$scratch/install")

step "runtime stage: the installed tree and web/dist, nothing else"
root="$scratch/install"
mkdir -p "$root/usr/share/convene/web"
cp -r "$scratch/client/web/dist/." "$root/usr/share/convene/web/"
test -x "$root/usr/bin/convene"
ls "$root"/usr/lib/*/gstreamer-1.0/libgstconvene.so >/dev/null
test -f "$root/usr/share/convene/pipelines/hls.pipeline" || ls "$root/usr/share/convene/pipelines/"*.pipeline >/dev/null
if find "$root" -name '*.a' -o -name '*.h' | grep .; then echo "static libraries or headers installed"; exit 1; fi

# The image's ENV (runtime stage), its paths rebased into the scratch root.
declare -a image_env=()
while read -r kv; do
  k="${kv%%=*}" v="${kv#*=}"
  case "$v" in /usr/*|/var/*) v="$root$v" ;; esac
  image_env+=("$k=$v")
done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$src/docker/Dockerfile" | awk '/^FROM /{stage++} /^ENV /{print}' |
         tail -n 1 | sed 's/^ENV //' | tr -s ' ' '\n' | grep '=')
mkdir -p "$root/var/lib/convene"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run_env=(env -i PATH=/usr/bin:/bin HOME="$root/var/lib/convene" "${image_env[@]}"
         CONVENE_SERVER_HOST=127.0.0.1 CONVENE_SERVER_PORT="$port")

step "convene check-config with the image's environment"
"${run_env[@]}" "$root/usr/bin/convene" check-config >/dev/null

step "convene serve with the image's environment; the HEALTHCHECK's request"
"${run_env[@]}" "$root/usr/bin/convene" serve >"$scratch/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health" | grep -q '"status":"ok"' || { cat "$scratch/serve.log"; exit 1; }
curl -fsS "http://127.0.0.1:$port/" | grep -qi '<!doctype html>'
curl -fsS -o /dev/null "http://127.0.0.1:$port/vendor/chart.umd.min.js"
curl -fsS -o /dev/null "http://127.0.0.1:$port/vendor/hls.min.js"
step "ok: the image's build steps produce a server that serves the built client"
