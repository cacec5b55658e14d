#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that reaches nothing outside (no registry, no
# apt, maybe no Node): the Node binary, the runtime node_modules `fer-c corrupt` loads (Linux x64
# binaries only), the built dist/, the Vulkan/EGL loader packages, and — with REFLIB=DIR, an unpacked
# copy of bethgelab/imagecorruptions — the Python reference for the side-by-side figure.
# Run once here, on a Linux x64 machine with the network and this project's `npm ci` done:
#   bash scripts/gpu-pack.sh            (REFLIB=DIR REFTOOL=DIR/ref_generate.py for the reference)
# It writes .gpu-pack/ (git-ignored, ~45 MB; the device tool carries at most 64 MiB with the tree).
set -euo pipefail
cd "$(dirname "$0")/.."
P=.gpu-pack; rm -rf "$P"; mkdir -p "$P/deb"
npm run build >/dev/null
node_bin=$(readlink -f "$(command -v node)")
tar -C "$(dirname "$node_bin")" -cJf "$P/node.tar.xz" "$(basename "$node_bin")"
# Runtime packages only: no model stack (tfjs, face-api: fer-c corrupt does not load them), no compilers,
# no other platforms' binaries.
tar -cJf "$P/modules.tar.xz" \
  --exclude='node_modules/@tensorflow' --exclude='node_modules/@vladmandic' --exclude='node_modules/typescript' \
  --exclude='node_modules/@typescript' --exclude='node_modules/@types' --exclude='node_modules/core-js' \
  --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/gl' --exclude='node_modules/.cache' \
  node_modules
tar -cJf "$P/dist.tar.xz" dist
# The loaders (device notes: libvulkan may be missing there); unpacked with dpkg -x on the machine.
if command -v apt-get >/dev/null; then
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  apt-get $o update -qq && (cd "$P/deb" && apt-get $o download libvulkan1 libegl1 libglvnd0 libgles2 >/dev/null) || echo "apt download failed: the machine's own loaders will have to do"
fi
if [ -n "${REFLIB:-}" ]; then
  [ -d "$REFLIB/imagecorruptions" ] || { echo "REFLIB=$REFLIB holds no imagecorruptions/"; exit 2; }
  REFTOOL=${REFTOOL:-../shared/tools/reference-speed/ref_generate.py}
  mkdir -p "$P/ref" && cp "$REFTOOL" "$P/ref/ref_generate.py"
  tar -C "$REFLIB" -cJf "$P/ref/reflib.tar.xz" --exclude='*.pyc' imagecorruptions
fi
du -sh "$P"/* "$P"
