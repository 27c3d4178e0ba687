#!/bin/sh
# Builds everything the client matrix serves and runs, from local material only (no network):
#   SRC  this directory (the sources),  MAT  programs and settings,  WWW  the HTTP server's tree,
#   M2   a local Maven repository to serve (the one the build itself used),  NPMHOST  the name
#   npm's tarball URLs use.
set -eu
SRC=$1 MAT=$2 WWW=$3 M2=$4 NPMHOST=$5
mkdir -p "$MAT" "$WWW/files" "$WWW/git" "$WWW/simple/tinypkg" "$WWW/packages" "$WWW/npm" "$WWW/tarballs"
echo hello > "$WWW/files/hello.txt"

# C resolver client, glibc and musl
gcc -O1 -o "$MAT/resolve-glibc" "$SRC/resolve.c"
musl-gcc -O1 -static -o "$MAT/resolve-musl" "$SRC/resolve.c"

# Java HttpClient
javac -d "$MAT" "$SRC/Fetch.java"

# Go (std library only; caches inside MAT, nothing fetched)
(cd "$MAT" && cp "$SRC/fetch.go" . && GOCACHE="$MAT/gocache" GOPATH="$MAT/gopath" GO111MODULE=off GOFLAGS= \
  go build -o "$MAT/gofetch" fetch.go)
cp "$SRC/get.js" "$SRC/fetch.js" "$SRC/fetch.py" "$MAT/"

# git: a bare repository with one commit, for dumb HTTP (update-server-info) and git://
work=$(mktemp -d)
git init -q "$work/repo"
echo "matrix" > "$work/repo/README"
git -C "$work/repo" add README
git -C "$work/repo" -c user.name=t -c user.email=t@t.test commit -q -m one
git clone -q --bare "$work/repo" "$WWW/git/repo.git"
git -C "$WWW/git/repo.git" update-server-info
rm -rf "$work"

# PyPI simple index with a tiny wheel
python3 - "$WWW/packages" <<'PY'
import sys, zipfile, hashlib, base64
name = sys.argv[1] + "/tinypkg-0.1-py3-none-any.whl"
files = {
    "tinypkg/__init__.py": b"VALUE = 1\n",
    "tinypkg-0.1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 0.1\n",
    "tinypkg-0.1.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: matrix\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = ""
for n, b in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    record += "%s,sha256=%s,%d\n" % (n, h, len(b))
record += "tinypkg-0.1.dist-info/RECORD,,\n"
with zipfile.ZipFile(name, "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
    z.writestr("tinypkg-0.1.dist-info/RECORD", record)
PY
sha=$(sha256sum "$WWW/packages/tinypkg-0.1-py3-none-any.whl" | cut -d' ' -f1)
printf '<!DOCTYPE html><html><body><a href="../../packages/tinypkg-0.1-py3-none-any.whl#sha256=%s">tinypkg-0.1-py3-none-any.whl</a></body></html>\n' \
  "$sha" > "$WWW/simple/tinypkg/index.html"

# npm registry: a tarball from npm pack and its packument
work=$(mktemp -d)
printf '{"name":"tinynpm","version":"1.0.0","main":"index.js"}\n' > "$work/package.json"
echo 'module.exports = 1;' > "$work/index.js"
(cd "$work" && npm pack --silent >/dev/null 2>&1)
cp "$work/tinynpm-1.0.0.tgz" "$WWW/tarballs/"
rm -rf "$work"
tgz="$WWW/tarballs/tinynpm-1.0.0.tgz"
shasum=$(sha1sum "$tgz" | cut -d' ' -f1)
integrity="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
printf '{"name":"tinynpm","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"tinynpm","version":"1.0.0","main":"index.js","dist":{"tarball":"http://%s:8080/tarballs/tinynpm-1.0.0.tgz","shasum":"%s","integrity":"%s"}}}}\n' \
  "$NPMHOST" "$shasum" "$integrity" > "$WWW/npm/tinynpm"

# Maven repository: the local repository the build itself used, served as is
ln -s "$M2" "$WWW/maven2"
