#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, in one command: do our gpu.js kernels run on it, and how fast is
# `fer-c corrupt` there? Prints evidence and never stops early; the log goes to $OUT/gpu-check.log.
#   bash scripts/gpu-check.sh            (from the project root)
# Offline machines (the device tool's): pack here first with `bash scripts/gpu-pack.sh`, then carry
# `.gpu-pack`; this script unpacks Node, node_modules, dist and the loaders from it.
# Knobs: FACES (default 500) faces for the throughput runs; WORKERS (default: all cores);
# OVERSUB_RUN=0 skips the run with 2 workers per core;
# CPU_RUN=0 skips the cpu-backend run beside it; REF_RUN=0 skips the Python reference (needs .gpu-pack/ref).
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
command -v node >/dev/null || { echo "no node: run scripts/gpu-pack.sh where there is one and carry .gpu-pack"; exit 1; }
[ -d node_modules/gpu.js ] || { npm ci --no-audit --no-fund >"$OUT/npm-ci.log" 2>&1; echo "npm ci rc=$?"; }
[ -f dist/src/gpu/backend.js ] || { npm run build >"$OUT/build.log" 2>&1; echo "build rc=$?"; }

s system
. /etc/os-release; echo "$PRETTY_NAME; node $(node -v); $(ldd --version | head -1); $(nproc) cores"
strings "$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF;exit}')" 2>/dev/null | grep -o 'GLIBCXX_3\.4\.[0-9]*' | sort -V | tail -1
nvidia-smi --query-gpu=name,driver_version,memory.used,utilization.gpu --format=csv
echo "NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES:-unset} DISPLAY=${DISPLAY:-unset}"; ls /dev/nvidia* /dev/dri 2>&1 | tr '\n' ' '; echo
ldconfig -p | grep -oE 'lib(GLX_nvidia|EGL_nvidia|nvidia-glvkspirv|nvidia-glcore|vulkan)\.so[.0-9]*' | sort -u | tr '\n' ' '; echo

s vulkan ICD
# The driver's Vulkan ICD: the container runtime puts it in one of these with the `graphics` capability.
ICD=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
if [ -z "$ICD" ]; then
  lib=$(ldconfig -p | awk '/libGLX_nvidia\.so\.0 /{print $NF;exit}')
  [ -z "$lib" ] && lib=$(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 2>/dev/null)
  if [ -n "$lib" ]; then ICD=$T/nvidia_icd.json; echo "{\"file_format_version\":\"1.0.0\",\"ICD\":{\"library_path\":\"$lib\",\"api_version\":\"1.3\"}}" >"$ICD"; echo "wrote $ICD for $lib"
  else echo "no nvidia_icd.json and no libGLX_nvidia.so.0: the driver's graphics libraries are not here (NVIDIA_DRIVER_CAPABILITIES needs graphics)"; fi
fi
[ -n "$ICD" ] && { export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD; echo "ICD: $ICD"; cat "$ICD"; echo; }
EGLV=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json; [ -f "$EGLV" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$EGLV

s probe: adapters, auto choice, kernels on webgpu vs cpu
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -lms 250 >"$OUT/smi.csv" 2>/dev/null & SMI=$!
timeout 300 node scripts/gpu-probe.mjs
s "WGSL parity on this machine's default adapter (all 85 variants, two faces)"
timeout 300 node node_modules/uvu/bin.js dist/test '\.wgsltest\.js$'
kill $SMI 2>/dev/null; echo "GPU utilization, top samples during probe + parity:"; sort -t, -k2 -n "$OUT/smi.csv" 2>/dev/null | tail -3

s "fer-c corrupt: $FACES faces, $WORKERS workers"
rm -rf "$T/faces" "$T/out-auto" "$T/out-cpu"; node scripts/make-faces.mjs "$FACES" "$T/faces"
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -lms 500 >"$OUT/smi-corrupt.csv" 2>/dev/null & SMI=$!
$TIME node bin/fer-c.js corrupt --input "$T/faces" --output "$T/out-auto" --workers "$WORKERS" --seed 1 >"$T/auto.log" 2>&1
grep -E 'gpu.js backend|images, .* files written|Maximum resident|Elapsed|rror' "$T/auto.log" || echo "fer-c corrupt (auto) failed"
GPU_FLAG=
if ! grep -q 'gpu.js backend: webgpu' "$T/auto.log"; then
  # auto passed the GPU over: say so, and still measure webgpu by name so the figure exists
  echo "auto did NOT choose webgpu: see its reason above; measuring --backend webgpu by name"; GPU_FLAG="--backend webgpu"
  rm -rf "$T/out-auto"
  $TIME node bin/fer-c.js corrupt --input "$T/faces" --output "$T/out-auto" --workers "$WORKERS" --seed 1 $GPU_FLAG 2>&1 \
    | grep -E 'gpu.js backend|images, .* files written|Maximum resident|Elapsed|rror' || echo "fer-c corrupt (webgpu) failed"
fi
kill $SMI 2>/dev/null; echo "GPU utilization during the auto run: mean $(awk -F, '{gsub(/[ %]/,"",$2); s+=$2; n++} END {if (n) printf "%.0f%%", s/n}' "$OUT/smi-corrupt.csv"), top: $(sort -t, -k2 -n "$OUT/smi-corrupt.csv" | tail -1)"
if [ "${OVERSUB_RUN:-1}" = 1 ]; then
  # A worker waiting on the GPU (dispatch, read-back) leaves its core idle; twice as many workers as
  # cores lets another worker's PNG encoding and CPU-side work use it meanwhile.
  s "fer-c corrupt: same faces, $((2 * WORKERS)) workers (2 per core: CPU work overlapping GPU waits)"
  rm -rf "$T/out-auto2"
  $TIME node bin/fer-c.js corrupt --input "$T/faces" --output "$T/out-auto2" --workers "$((2 * WORKERS))" --seed 1 $GPU_FLAG 2>&1 \
    | grep -E 'gpu.js backend|images, .* files written|Maximum resident|Elapsed|rror' || echo "fer-c corrupt (2 per core) failed"
fi
if [ "${CPU_RUN:-1}" = 1 ]; then
  s "fer-c corrupt --backend cpu, same faces and workers (for the ratio)"
  $TIME node bin/fer-c.js corrupt --input "$T/faces" --output "$T/out-cpu" --workers "$WORKERS" --seed 1 --backend cpu 2>&1 \
    | grep -E 'gpu.js backend|images, .* files written|Maximum resident|Elapsed|rror' || echo "fer-c corrupt (cpu) failed"
fi
if [ "${REF_RUN:-1}" = 1 ] && [ -f "$P/ref/reflib.tar.xz" ]; then
  s "Python reference (bethgelab/imagecorruptions), $WORKERS processes, same faces"
  mkdir -p "$T/reflib" && untar "$P/ref/reflib.tar.xz" "$T/reflib"
  rm -rf "$T/out-ref"; timeout 900 python3 "$P/ref/ref_generate.py" "$T/reflib" "$T/faces" "$T/out-ref" "$WORKERS" 2>&1 | tail -3
fi
s done
