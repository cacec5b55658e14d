#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in one command: do our gpu.js kernels run on it, and how fast is
# `fer-c corrupt` there? Prints evidence and never stops early; the log goes to $OUT/gpu-check.log.
#   bash scripts/gpu-check.sh            (from the project root)
# Offline machines (the device tool's): pack here first with `bash scripts/gpu-pack.sh`, then carry
# `.gpu-pack`; this script unpacks Node, node_modules, dist and the loaders from it.
# Offline by design: no apt, no npm here. It needs node, node_modules and dist/ (from the checkout or
# the pack) and ends with one line starting "gpu-check summary:".
# Without a GPU (e.g. Mesa's lavapipe): VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.json FACES=4 bash scripts/gpu-check.sh
# Knobs: FACES (default 500) faces for the throughput runs; WORKERS (default: all cores);
# BATCHES (default "1 8 32 64") the --batch sizes of the webgpu runs;
# OVERSUB_RUN=0 skips the run with 2 workers per core;
# CPU_RUN=0 skips the CPU-twins run beside them; REF_RUN=0 skips the Python reference (needs .gpu-pack/ref).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"; exec > >(tee "$OUT/gpu-check.log") 2>&1
s(){ echo; echo "=== $* ($(date -u +%T))"; }
TIME=; [ -x /usr/bin/time ] && TIME="/usr/bin/time -v"   # peak RSS where GNU time exists
FACES=${FACES:-500}; WORKERS=${WORKERS:-$(nproc)}; P=$ROOT/.gpu-pack; T=${TMPDIR:-/tmp}/gpu-check; mkdir -p "$T"

s unpack
untar(){ if command -v xz >/dev/null; then tar -xJf "$1" -C "$2"; else python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi; }
if [ -d "$P" ]; then
  mkdir -p "$T/bin"; untar "$P/node.tar.xz" "$T/bin" && export PATH="$T/bin:$PATH"
  [ -d node_modules/gpu.js ] || untar "$P/modules.tar.xz" "$ROOT"
  [ -f dist/src/gpu/backend.js ] || untar "$P/dist.tar.xz" "$ROOT"
  if ! ldconfig -p | grep -q libvulkan.so.1; then for f in "$P"/deb/*.deb; do dpkg -x "$f" /; done; ldconfig; echo "unpacked the carried loaders"; fi
fi
# No registry here: what is missing is named, never fetched.
missing=; command -v node >/dev/null || missing="node"; [ -d node_modules/gpu.js ] || missing="$missing node_modules"
[ -f dist/src/gpu/backend.js ] || missing="$missing dist (npm run build)"
if [ -n "$missing" ]; then echo "gpu-check summary: NOT RUN: missing$missing; make them here (npm ci; npm run build) or carry .gpu-pack (scripts/gpu-pack.sh)"; exit 1; fi

s system
. /etc/os-release; echo "$PRETTY_NAME; node $(node -v); $(ldd --version | head -1); $(nproc) cores"
strings "$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF;exit}')" 2>/dev/null | grep -o 'GLIBCXX_3\.4\.[0-9]*' | sort -V | tail -1
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.used,utilization.gpu --format=csv || echo "no nvidia-smi: no GPU utilisation figures"
echo "NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES:-unset} DISPLAY=${DISPLAY:-unset}"; ls /dev/nvidia* /dev/dri 2>&1 | tr '\n' ' '; echo
ldconfig -p | grep -oE 'lib(GLX_nvidia|EGL_nvidia|nvidia-glvkspirv|nvidia-glcore|vulkan)\.so[.0-9]*' | sort -u | tr '\n' ' '; echo

s vulkan ICD
# The driver's Vulkan ICD: the container runtime puts it in one of these with the `graphics` capability.
# A VK_DRIVER_FILES set by the caller (lavapipe's lvp_icd.json, say) is kept.
ICD=${VK_DRIVER_FILES:-}
[ -z "$ICD" ] && ICD=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
if [ -z "$ICD" ]; then
  lib=$(ldconfig -p | awk '/libGLX_nvidia\.so\.0 /{print $NF;exit}')
  [ -z "$lib" ] && lib=$(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 2>/dev/null)
  if [ -n "$lib" ]; then ICD=$T/nvidia_icd.json; echo "{\"file_format_version\":\"1.0.0\",\"ICD\":{\"library_path\":\"$lib\",\"api_version\":\"1.3\"}}" >"$ICD"; echo "wrote $ICD for $lib"
  else echo "no nvidia_icd.json and no libGLX_nvidia.so.0: the driver's graphics libraries are not here (NVIDIA_DRIVER_CAPABILITIES needs graphics)"; fi
fi
[ -n "$ICD" ] && { export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD; echo "ICD: $ICD"; cat "$ICD"; echo; }
EGLV=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json; [ -f "$EGLV" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$EGLV

s probe: adapters, auto choice, kernels on webgpu vs cpu
smi_start(){ command -v nvidia-smi >/dev/null && { nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -lms "$2" >"$1" 2>/dev/null & SMI=$!; } || SMI=; }
smi_stop(){ [ -n "$SMI" ] && kill "$SMI" 2>/dev/null; SMI=; }
smi_mean(){ [ -s "$1" ] && awk -F, '{gsub(/[ %]/,"",$2); s+=$2; n++} END {if (n) printf "%.0f%%", s/n}' "$1" || echo "n/a"; }
smi_start "$OUT/smi.csv" 250
timeout 300 node scripts/gpu-probe.mjs
ADAPTER=$(timeout 120 node --input-type=module -e "const b = await import('./dist/src/gpu/backend.js'); const c = await b.selectBackend('webgpu').catch((e) => ({ device: 'none (' + e.message + ')', deviceKind: '' })); console.log(c.device + (c.deviceKind ? ' [' + c.deviceKind + ']' : '')); process.exit(0)" 2>/dev/null | tail -1)
AUTO=$(timeout 120 node --input-type=module -e "const b = await import('./dist/src/gpu/backend.js'); console.log((await b.selectBackend('auto')).backend); process.exit(0)" 2>/dev/null | tail -1)
echo "adapter: $ADAPTER; auto chooses: $AUTO"
s "WGSL tests on this machine's default adapter: parity (85 variants, two faces), batches, Dawn calls per variant"
# FER_C_WEBGPU=default: `auto` looks at Dawn's adapter even where no /dev GPU node would make it look
if FER_C_WEBGPU=${FER_C_WEBGPU:-default} timeout 900 node node_modules/uvu/bin.js dist/test '\.wgsltest\.js$'; then PARITY=pass; else PARITY="FAIL (rc $?)"; fi
smi_stop; echo "GPU utilization, top samples during probe + tests:"; sort -t, -k2 -n "$OUT/smi.csv" 2>/dev/null | tail -3

# One `fer-c corrupt` run, PNGs written: its variants/s, peak RSS and mean GPU utilisation go into the summary.
RESULTS=
corrupt_run(){ # label, then fer-c corrupt arguments
  local label=$1; shift; rm -rf "$T/out"
  smi_start "$OUT/smi-run.csv" 500
  $TIME node bin/fer-c.js corrupt --input "$T/faces" --output "$T/out" --workers "$WORKERS" --seed 1 "$@" >"$T/run.log" 2>&1
  smi_stop
  grep -E 'gpu.js backend|images, .* files written|Maximum resident|Elapsed|rror' "$T/run.log" || echo "fer-c corrupt ($label) failed"
  local vps rss; vps=$(grep -oE '[0-9.]+ variants/s' "$T/run.log" | tail -1 | cut -d' ' -f1)
  rss=$(awk '/Maximum resident/ {printf "%.0f MB", $NF / 1024}' "$T/run.log")
  echo "$label: ${vps:-failed} variants/s, peak RSS ${rss:-n/a}, mean GPU utilisation $(smi_mean "$OUT/smi-run.csv")"
  RESULTS="$RESULTS; $label ${vps:-failed}/s (RSS ${rss:-n/a}, GPU $(smi_mean "$OUT/smi-run.csv"))"
}

s "fer-c corrupt: $FACES faces, $WORKERS workers, PNGs written"
rm -rf "$T/faces"; node scripts/make-faces.mjs "$FACES" "$T/faces"
GPU_FLAG=
# auto must take the GPU on a GPU machine; where it does not (a software adapter), webgpu is asked for by name
[ "$AUTO" = webgpu ] || { echo "auto chose $AUTO, not webgpu: measuring --backend webgpu by name"; GPU_FLAG="--backend webgpu"; }
for N in ${BATCHES:-1 8 32 64}; do
  s "webgpu, batches of $N"
  corrupt_run "webgpu N=$N" $GPU_FLAG --batch "$N"
done
if [ "${OVERSUB_RUN:-1}" = 1 ]; then
  # A worker waiting on the GPU leaves its core idle; twice as many workers lets another's PNG encoding use it.
  s "webgpu, default batch, $((2 * WORKERS)) workers (2 per core)"
  WORKERS=$((2 * WORKERS)) corrupt_run "webgpu 2/core" $GPU_FLAG
fi
if [ "${CPU_RUN:-1}" = 1 ]; then
  s "the CPU twins (--backend webasm), same faces and workers"
  corrupt_run "CPU twins" --backend webasm
fi
if [ "${REF_RUN:-1}" = 1 ] && [ -f "$P/ref/reflib.tar.xz" ]; then
  s "Python reference (bethgelab/imagecorruptions), $WORKERS processes, same faces"
  mkdir -p "$T/reflib" && untar "$P/ref/reflib.tar.xz" "$T/reflib"
  rm -rf "$T/out-ref"; timeout 900 python3 "$P/ref/ref_generate.py" "$T/reflib" "$T/faces" "$T/out-ref" "$WORKERS" 2>&1 | tail -3
fi
s done
echo "gpu-check summary: adapter $ADAPTER; auto → $AUTO; WGSL tests $PARITY; $FACES faces, $WORKERS workers${RESULTS}"
