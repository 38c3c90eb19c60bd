#!/usr/bin/env bash
# Install code-server 4.99.4 (= VS Code 1.99.3, the last release whose engines.node is "20")
# from npm into a directory outside git, for the end-to-end test.  Idempotent: a finished
# install is marked with a stamp file and is not repeated.  Fails loudly.
#
# Plain `npm install code-server` does not work on these machines: npm 11 blocks install scripts, ripgrep and argon2 want to download
# binaries from GitHub, node-pty's build wants `npx` with yes=true.  So: install without
# scripts, then do by hand what code-server's postinstall.sh does, offline.
#
#   usage: install-code-server.sh [DIR]      (default: $HOME/.cache/matdiff/code-server-4.99.4)
#   prints the path of the code-server launcher on its last line.
set -euo pipefail

VERSION=4.99.4
DIR=${1:-${MATDIFF_CODE_SERVER_DIR:-$HOME/.cache/matdiff/code-server-$VERSION}}
STAMP="$DIR/.installed-$VERSION"
BIN="$DIR/node_modules/code-server/out/node/entry.js"

fail() { echo "install-code-server: $*" >&2; exit 1; }

if [[ -f "$STAMP" && -f "$BIN" ]]; then
    echo "$BIN"
    exit 0
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail "node not found"
[[ "$node_major" == 20 ]] || fail "code-server $VERSION needs node 20, found $(node --version)"

# Native builds need a compiler, the Kerberos headers; ripgrep replaces the download.
missing=()
command -v g++ >/dev/null || missing+=(build-essential)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
command -v rg >/dev/null || missing+=(ripgrep)
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || fail "need apt packages ${missing[*]} (run as root or install them)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || fail "apt-get install ${missing[*]} failed"
fi

start=$SECONDS
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
export npm_config_yes=true npm_config_audit=false \
    npm_config_fund=false npm_config_update_notifier=false
echo '{"name": "matdiff-e2e-code-server", "private": true}' > package.json

echo "== npm install code-server@$VERSION (no scripts)" >&2
npm install --no-save --ignore-scripts "code-server@$VERSION" >&2 || fail "npm install code-server failed"
echo "== argon2 from source" >&2
npm rebuild argon2 --build-from-source >&2 || fail "building argon2 failed"

CS="$DIR/node_modules/code-server"
cd "$CS/lib/vscode"
echo "== lib/vscode dependencies" >&2
npm install --omit=dev --ignore-scripts >&2 || fail "npm install in lib/vscode failed"
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
echo "== native modules (node-gyp)" >&2
npm rebuild >&2 || fail "npm rebuild in lib/vscode failed (native modules)"
# What postinstall.sh does after installing.
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
cd extensions
echo "== built-in extensions' dependencies" >&2
npm install --omit=dev --ignore-scripts >&2 || fail "npm install in lib/vscode/extensions failed"

XDG_CONFIG_HOME="$DIR/.config" node "$BIN" --version >&2 || fail "code-server does not start"
touch "$STAMP"
echo "installed code-server $VERSION in $DIR in $((SECONDS - start)) s" >&2
echo "$BIN"
