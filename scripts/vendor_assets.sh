#!/usr/bin/env bash
# Re-create the vendored front-end assets under ipops/static/vendor/ from
# pinned npm package versions (see ipops/static/vendor/VENDOR.md).
#
# Usage:  scripts/vendor_assets.sh            # refresh ipops/static/vendor/
#         VENDOR_DIR=/some/dir scripts/vendor_assets.sh   # write elsewhere (e.g. to diff)
#
# Needs: bash, npm (registry access), node, tar, sed, grep.
# Idempotent: each managed sub-directory (tabler/, htmx/, echarts/,
# noto-sans-sc/) is rebuilt in a temp dir and then swapped in whole;
# VENDOR.md and anything else in the vendor dir is left alone.
# To upgrade a package: change its version AND its integrity below
# (npm view NAME@VERSION dist.integrity), run, review the diff, update VENDOR.md.
set -euo pipefail

TABLER_VERSION="1.6.1"
TABLER_INTEGRITY="sha512-lgmR9gcxRp5JlLxcmRi9Rz85JrEvH6Bz71KnlcPVSa97wtwQNjgSs3g3fxwbAlulHyRMghhIV04QUuW3pqDsIg=="
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
ECHARTS_VERSION="6.1.0"
ECHARTS_INTEGRITY="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
NOTO_SC_VERSION="5.3.0"
NOTO_SC_INTEGRITY="sha512-HeqIlGm0+ohOKxZLuHj1qW6r6avHH0OWdKERAcSDI0RQ+MXrteuLKA+M+5eOA8rYy0MFvOR5AT0fQo2rUkye0Q=="
NOTO_SC_WEIGHTS=(400 700)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="${VENDOR_DIR:-$REPO_ROOT/ipops/static/vendor}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/stage"
mkdir -p "$STAGE"

die() { echo "vendor_assets: $*" >&2; exit 1; }

# fetch SPEC INTEGRITY NAME -> unpacks the tarball to $WORK/NAME/package
fetch() {
    local spec="$1" integrity="$2" name="$3" tgz actual
    echo "==> npm pack $spec" >&2
    tgz="$(cd "$WORK" && npm pack --silent "$spec" | tail -n 1)"
    [[ -f "$WORK/$tgz" ]] || die "npm pack $spec produced no tarball"
    actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$WORK/$tgz")"
    [[ "$actual" == "$integrity" ]] || die "$spec integrity mismatch: got $actual, pinned $integrity"
    mkdir -p "$WORK/$name"
    tar xzf "$WORK/$tgz" -C "$WORK/$name"
}

# ---------------------------------------------------------------- Tabler
fetch "@tabler/core@$TABLER_VERSION" "$TABLER_INTEGRITY" tabler
src="$WORK/tabler/package"
out="$STAGE/tabler"
mkdir -p "$out"
# The .map files are not vendored, so drop the trailing sourceMappingURL
# comment (otherwise Django's ManifestStaticFilesStorage fails in collectstatic).
sed '/^\/\*# sourceMappingURL=tabler\.min\.css\.map \*\/$/d' "$src/dist/css/tabler.min.css" > "$out/tabler.min.css"
sed '/^\/\/# sourceMappingURL=tabler\.min\.js\.map$/d' "$src/dist/js/tabler.min.js" > "$out/tabler.min.js"
! grep -q 'sourceMappingURL' "$out/tabler.min.css" "$out/tabler.min.js" || die "tabler: sourceMappingURL not stripped"
# Every url() in tabler.min.css must be an inline data: URI (nothing else to copy).
if grep -o 'url([^)]*)' "$out/tabler.min.css" | grep -qv "^url([\"']\{0,1\}data:"; then
    die "tabler.min.css references non-data url(); vendor those files too"
fi
# @tabler/core ships no LICENSE file; write upstream's MIT text with the
# copyright lines from this version's banner.
copyright="$(head -n 10 "$src/dist/css/tabler.min.css" | sed -n 's/^ \* \(Copyright .*\)$/\1/p')"
[[ -n "$copyright" ]] || die "tabler: copyright banner not found"
{
    printf 'The MIT License (MIT)\n\n%s\n' "$copyright"
    cat <<'EOF'

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.

----------------------------------------------------------------------------
EOF
    cat <<EOF
Note (added when vendoring): the @tabler/core@$TABLER_VERSION npm package ships no
LICENSE file. Its package.json declares "license": "MIT" and the banner of
dist/css/tabler.min.css and dist/js/tabler.min.js reads "Licensed under MIT
(https://github.com/tabler/tabler/blob/master/LICENSE)". The text above is
that upstream MIT licence text, with the copyright lines taken from the
v$TABLER_VERSION banner.
EOF
} > "$out/LICENSE"

# ---------------------------------------------------------------- htmx 2
fetch "htmx.org@$HTMX_VERSION" "$HTMX_INTEGRITY" htmx
src="$WORK/htmx/package"
out="$STAGE/htmx"
mkdir -p "$out"
cp "$src/dist/htmx.min.js" "$src/LICENSE" "$out/"

# ---------------------------------------------------------------- ECharts 6
fetch "echarts@$ECHARTS_VERSION" "$ECHARTS_INTEGRITY" echarts
src="$WORK/echarts/package"
out="$STAGE/echarts"
mkdir -p "$out/licenses"
# Apache-2.0: ship LICENSE + NOTICE; LICENSE points at licenses/LICENSE-d3.
cp "$src/dist/echarts.min.js" "$src/LICENSE" "$src/NOTICE" "$out/"
cp "$src/licenses/LICENSE-d3" "$out/licenses/"

# ---------------------------------------------------------------- Noto Sans SC
fetch "@fontsource/noto-sans-sc@$NOTO_SC_VERSION" "$NOTO_SC_INTEGRITY" noto-sans-sc
src="$WORK/noto-sans-sc/package"
out="$STAGE/noto-sans-sc"
mkdir -p "$out/files"
for w in "${NOTO_SC_WEIGHTS[@]}"; do
    # Keep only the woff2 source (woff is a legacy fallback; every current
    # browser supports woff2) so only .woff2 files need vendoring.
    sed "s/, url(\.\/files\/[^)]*\.woff) format('woff')//" "$src/$w.css" > "$out/$w.css"
    ! grep -q "\.woff)" "$out/$w.css" || die "noto-sans-sc/$w.css still references .woff"
    grep -o 'url([^)]*)' "$out/$w.css" | sed 's/^url(//; s/)$//' | while read -r ref; do
        [[ "$ref" == ./files/*.woff2 ]] || die "noto-sans-sc/$w.css: unexpected url($ref)"
        cp "$src/${ref#./}" "$out/files/"
    done
done
cp "$src/LICENSE" "$out/"

# ---------------------------------------------------------------- install
mkdir -p "$VENDOR_DIR"
for d in tabler htmx echarts noto-sans-sc; do
    rm -rf "${VENDOR_DIR:?}/$d"
    cp -R "$STAGE/$d" "$VENDOR_DIR/$d"
done
echo "==> vendored into $VENDOR_DIR ($(du -sh "$VENDOR_DIR" | cut -f1))" >&2
