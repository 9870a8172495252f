#!/usr/bin/env bash
# Lays out the demo documentation corpus under corpus/sources/ on Debian 12, as root:
#   nodejs/doc/api/*.md   the Node.js API reference, from Debian's nodejs-doc
#   <package>/            each npm package of corpus/package.json, as its tarball ships it
#   libraries.yaml        corpus/libraries.yaml, once its versions are checked against these
# Idempotent: a second run finds everything current and prints nothing.
set -euo pipefail
cd "$(dirname "$0")/../corpus"

manifest=libraries.yaml
sources=sources

die() { echo "fetch-corpus: $*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine's package lists may be empty; refreshing them costs time, so only then.
  apt-cache show "$@" >/dev/null 2>&1 || apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# "version" of the manifest entry whose path is $1, without a leading v.
manifest_version() {
  awk -v want="$1" '
    function val(line) { sub(/#.*/, "", line); sub(/^[^:]*:[ \t]*/, "", line);
                         gsub(/["\x27 \t]/, "", line); return line }
    /^[ \t]*-?[ \t]*path:/    { path = val($0) }
    /^[ \t]*-?[ \t]*version:/ { if (path == want) { v = val($0); sub(/^v/, "", v); print v; exit } }
  ' "$manifest"
}

manifest_paths() {
  awk '/^[ \t]*-?[ \t]*path:/ { sub(/#.*/, ""); sub(/^[^:]*:[ \t]*/, ""); gsub(/["\x27 \t]/, ""); print }' "$manifest"
}

mkdir -p "$sources"

# --- Node.js API reference -------------------------------------------------------------------
installed nodejs-doc || { echo "fetch-corpus: installing nodejs-doc"; apt_install nodejs-doc; }
deb_version=$(dpkg-query -W -f='${Version}' nodejs-doc)
# 18.20.4+dfsg-1~deb12u3 -> 18.20.4: drop the epoch, Debian's repacking suffix and revision.
node_version=$(sed -E 's/^[0-9]+://; s/[+~-].*$//' <<<"$deb_version")
want=$(manifest_version nodejs)
[ -n "$want" ] || die "$manifest has no entry with path: nodejs"
[ "$node_version" = "$want" ] ||
  die "nodejs-doc is Node.js $node_version ($deb_version) but $manifest says v$want; update the manifest and check eval/questions.jsonl against the new headings"

node_dir=$sources/nodejs
stamp=$node_dir/.nodejs-doc-version
if [ "$(cat "$stamp" 2>/dev/null)" != "$deb_version" ]; then
  echo "fetch-corpus: Node.js $node_version reference from nodejs-doc $deb_version"
  shopt -s nullglob
  docs=(/usr/share/doc/nodejs/api/*.md.gz)
  shopt -u nullglob
  ((${#docs[@]})) || die "nodejs-doc $deb_version ships no /usr/share/doc/nodejs/api/*.md.gz"
  rm -rf "$node_dir.new"
  mkdir -p "$node_dir.new/doc/api"
  for gz in "${docs[@]}"; do
    name=$(basename "$gz" .gz)
    gunzip -c "$gz" >"$node_dir.new/doc/api/$name"
  done
  echo "$deb_version" >"$node_dir.new/.nodejs-doc-version"
  rm -rf "$node_dir"
  mv "$node_dir.new" "$node_dir"
fi

# --- npm packages ------------------------------------------------------------------------------
# bootstrap.sh already brings node and npm; this script may also run on its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "fetch-corpus: installing nodejs npm"
  apt_install nodejs npm
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "fetch-corpus: installing the npm packages of the corpus"
  # The packages are only read, never run: no install scripts.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# One node process for every version look-up keeps a run with nothing to do quick.
versions=$(node -e '
  const read = (f) => { try { return require(f).version } catch { return "-" } };
  for (const p of process.argv.slice(1))
    console.log(p, read(`./node_modules/${p}/package.json`), read(`./'"$sources"'/${p}/package.json`));
' $(manifest_paths | grep -vxF nodejs))

while read -r pkg have copied; do
  [ "$have" != - ] || die "$manifest lists $pkg, which corpus/package.json does not install"
  want=$(manifest_version "$pkg")
  [ "$have" = "$want" ] || die "npm installed $pkg $have but $manifest says $want; keep package.json and the manifest in step"
  if [ "$copied" != "$have" ]; then
    echo "fetch-corpus: $pkg $have"
    rm -rf "$sources/$pkg.new"
    cp -a "node_modules/$pkg" "$sources/$pkg.new"
    # npm nests a dependency here only when versions clash; it is not this package's documentation.
    rm -rf "$sources/$pkg.new/node_modules"
    rm -rf "$sources/$pkg"
    mv "$sources/$pkg.new" "$sources/$pkg"
  fi
done <<<"$versions"

# Folders of libraries since dropped from the manifest would otherwise be indexed forever.
for dir in "$sources"/*/; do
  name=$(basename "$dir")
  manifest_paths | grep -qxF "$name" && continue
  echo "fetch-corpus: removing $sources/$name, no longer in $manifest"
  rm -rf "$dir"
done

cmp -s "$manifest" "$sources/libraries.yaml" || cp "$manifest" "$sources/libraries.yaml"
