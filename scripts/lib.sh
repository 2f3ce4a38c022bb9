# shellcheck shell=bash
# Shared helpers for the spec gates in scripts/. Source it; do not run it.
#
# Every tool a gate uses is pinned in the repository and installed on first
# use, so the gates pass on a fresh machine that has Go and Node:
#   - Node tools: scripts/package.json + scripts/package-lock.json, installed
#     with `npm ci --prefix scripts` into scripts/node_modules (git-ignored);
#   - Go tools: scripts/tools/go.mod (a module of its own, so that oasdiff's
#     dependencies never touch the main module), built into .tools/.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS="$ROOT/scripts"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "$*"; exit 1; }

# ensure_node_tools installs scripts/node_modules with `npm ci` when it is
# missing or was installed from another package-lock.json.
ensure_node_tools() {
  command -v npm >/dev/null || die "npm not found: the spec gates need Node.js 20.19+ and npm"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old: the pinned Redocly CLI needs 20.19+"
  local lock="$SCRIPTS/package-lock.json" stamp="$SCRIPTS/node_modules/.installed-lock.sha256"
  local want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing pinned Node tools (npm ci --prefix scripts)"
    npm ci --prefix "$SCRIPTS" --no-audit --no-fund --loglevel=error >&2
    printf '%s\n' "$want" >"$stamp"
  fi
  export PATH="$SCRIPTS/node_modules/.bin:$PATH"
}

# go_tool PKG prints the path of the binary for PKG, building it into
# .tools/ at the version scripts/tools/go.mod pins when it is not there yet.
go_tool() {
  local pkg=$1 name version bin
  name=$(basename "$pkg")
  version=$(cd "$SCRIPTS/tools" && go list -m -f '{{.Version}}' "$pkg")
  bin="$ROOT/.tools/$name@$version"
  if [ ! -x "$bin" ]; then
    log "building $pkg@$version into .tools/"
    mkdir -p "$ROOT/.tools"
    (cd "$SCRIPTS/tools" && go build -o "$bin.tmp" "$pkg") && mv "$bin.tmp" "$bin"
  fi
  printf '%s\n' "$bin"
}

# redocly runs the pinned Redocly CLI with its boxed notices dropped from
# stderr: on Node 20 it prints a "Node.js 20 support is ending" box on every
# run, and build-docs a "now renders docs with Redoc 3" box. Both are known
# and pinned (Redocly CLI 2.77.0 in package.json, whose build-docs is Redoc 3;
# the gates need Node 20.19+, and Redocly's next releases 22.12+), so they
# are noise in a CI log. Everything else, errors included, passes through,
# and the exit status is Redocly's.
redocly() {
  local status
  { command redocly "$@" 2>&1 1>&3 3>&- | drop_notice_boxes 3>&- >&2; status=${PIPESTATUS[0]}; } 3>&1
  return "$status"
}

# drop_notice_boxes copies its input without the boxes drawn with ╔ ... ╚
# and the blank lines around them.
drop_notice_boxes() {
  awk '
    /^[[:space:]]*╔/ { box = 1; blanks = 0; next }
    box && /^[[:space:]]*╚/ { box = 0; after = 1; next }
    box { next }
    /^[[:space:]]*$/ { if (!after) blanks++; next }
    { while (blanks > 0) { print ""; blanks-- } after = 0; print; fflush() }
  '
}
