#!/bin/bash
# The run-folder cases of docs/hostile-inputs-runfolder.md, run for real: each prints "## title",
# fer-c's own lines and the exit code. Relative paths of pipelines/demo.json resolve in $D via two symlinks.
R=$(cd "$(dirname "$0")/.." && pwd)   # the repository, built (npm run build)
F="node $R/bin/fer-c.js"
D=${1:-/tmp/ferc-hostile}   # a scratch folder; the tmpfs and unprivileged-user cases need root
mkdir -p $D && cd $D && ln -sfn $R/test test && ln -sfn $R/examples examples
show() { local title="$1"; shift; echo "## $title"; "$@" > out.txt 2>&1; rc=$?; grep -v "^fer-c run: demo\|^gpu.js backend\|ObjectRef\|^\s*$" out.txt | head -6; echo "exit $rc"; }
mkdir -p $D/d && cp $R/test/fixtures/faces/sample1_face0.png $R/test/fixtures/faces/sample1_face1.png $R/test/fixtures/faces/sample2_face0.png d/
(head -1 $R/examples/data/demo-faces.csv; grep -E "^sample1_face0|^sample1_face1|^sample2_face0" $R/examples/data/demo-faces.csv) > d/labels.csv
SMALL=(--set predictions=null --set metrics=null --set 'corruptions=["gaussian_noise","contrast"]' --set 'severities=[1,5]' --set limit=6 --set labels.visibility.calibration=3 --quiet)
REPRO=($R/pipelines/demo.json --set source.root=$D/d --set source.csv=$D/d/labels.csv --set output.dir=$D/d --set predictions=null --set metrics=null --set 'corruptions=["snow"]' --set 'severities=[1]' --set labels.visibility.calibration=2)
show "run: output.dir is the source folder (issue repro)" $F run "${REPRO[@]}" --quiet
show "run --overwrite: same" $F run "${REPRO[@]}" --overwrite --quiet
show "validate: same" $F validate "${REPRO[@]}"
show "validate --check-files: same" $F validate "${REPRO[@]}" --check-files
show "run: output.dir inside the source folder" $F run $R/pipelines/demo.json --set output.dir=$R/test/fixtures/faces/out "${SMALL[@]}"
show "run: output.dir holds the source folder" $F run $R/pipelines/demo.json --set output.dir=$R/test "${SMALL[@]}"
$F run $R/pipelines/demo.json --set output.dir=$D/ref "${SMALL[@]}" 2>/dev/null
show "run: labels.gmm.file inside output.dir" $F run $R/pipelines/demo.json --set output.dir=$D/ref --set "labels.gmm={\"file\":\"$D/ref/gmm.json\"}" "${SMALL[@]}"
show "corrupt --input X --output X" $F corrupt --input $D/d --output $D/d --quiet
show "corrupt --output inside --input" $F corrupt --input $D/d --output $D/d/out --quiet
show "corrupt --labels inside --output" $F corrupt --input $D/d --output $D/ref --labels $D/ref/labels.csv --quiet
show "run under ulimit -f 80 (EFBIG)" bash -c "ulimit -f 80; exec $F run $R/pipelines/demo.json --set output.dir=$D/efbig \"\${@}\"" _ "${SMALL[@]}"
echo "temp files left: $(find efbig -name '.*.tmp' | wc -l)"
show "same command again, no limit" $F run $R/pipelines/demo.json --set output.dir=$D/efbig "${SMALL[@]}"
diff -r ref efbig > /dev/null && echo "efbig == ref"
show "corrupt under ulimit -f 80 (EFBIG)" bash -c "ulimit -f 80; exec $F corrupt --input $D/d --output $D/cefbig --quiet"
mkdir -p mnt && mount -t tmpfs -o size=1m tmpfs mnt
show "run into a full 1 MB tmpfs (ENOSPC)" $F run $R/pipelines/demo.json --set output.dir=$D/mnt/run "${SMALL[@]}"
mount -o remount,size=16m mnt
show "same command once there is space" $F run $R/pipelines/demo.json --set output.dir=$D/mnt/run "${SMALL[@]}"
diff -r ref mnt/run > /dev/null && echo "enospc == ref"
umount mnt
mkdir -p ro && chmod 555 ro && chmod 755 $D
show "run, output.dir not writable (as an unprivileged user)" setpriv --reuid=65534 --regid=65534 --clear-groups $F run $R/pipelines/demo.json --set output.dir=$D/ro "${SMALL[@]}"
show "run, output.dir cannot be created" setpriv --reuid=65534 --regid=65534 --clear-groups $F run $R/pipelines/demo.json --set output.dir=$D/ro/out "${SMALL[@]}"
show "corrupt, --output not writable" setpriv --reuid=65534 --regid=65534 --clear-groups $F corrupt --input $D/d --output $D/ro --quiet
head -1 d/labels.csv > empty.csv
show "run: header-only annotation CSV" $F run $R/pipelines/demo.json --set source.csv=$D/empty.csv --set output.dir=$D/ho "${SMALL[@]}"
echo "output folder exists: $(test -e ho && echo yes || echo no)"
show "corrupt --labels header-only CSV" $F corrupt --input $D/d --output $D/ho --labels $D/empty.csv --gmm $D/ref/gmm.json --quiet
echo "output folder exists: $(test -e ho && echo yes || echo no)"
cp -r ref damaged && rm damaged/contrast/5/sample1_face0.png && truncate -s 4000 damaged/gaussian_noise/1/sample1_face1.png
show "resume: a finished sample's image lost, another's cut" $F run $R/pipelines/demo.json --set output.dir=$D/damaged "${SMALL[@]}"
diff -r ref damaged > /dev/null && echo "damaged == ref"
cp -r ref inflight && head -4 ref/manifest.jsonl > inflight/manifest.jsonl && truncate -s 30000 inflight/gaussian_noise/5/sample2_face0.png
show "resume: a cut image of a sample in flight at the kill" $F run $R/pipelines/demo.json --set output.dir=$D/inflight "${SMALL[@]}"
diff -r ref inflight > /dev/null && echo "inflight == ref"
CAL=(--set predictions=null --set metrics=null --set limit=14 --set 'corruptions=["gaussian_noise","contrast","snow","motion_blur","spatter","zoom_blur"]' --set 'severities=[1,3,5]' --set labels.visibility.calibration=6 --quiet)
$F run $R/pipelines/demo.json --set output.dir=$D/cal "${CAL[@]}" > cal1.txt 2>&1 & P=$!
for i in $(seq 600); do grep -q "phase: calibration" $D/cal1.txt && break; sleep 0.1; done; sleep 4; kill -9 $P; wait $P 2>/dev/null
echo "killed in calibration: $(find cal -name '*.png' | wc -l) images, manifest lines: $(wc -l < cal/manifest.jsonl)"
show "run killed during calibration, same command again" $F run $R/pipelines/demo.json --set output.dir=$D/cal "${CAL[@]}"
$F run $R/pipelines/demo.json --set output.dir=$D/busy "${CAL[@]}" > busy1.txt 2>&1 & P=$!
sleep 1
show "a second run on a folder a run is writing (1 s later)" $F run $R/pipelines/demo.json --set output.dir=$D/busy "${CAL[@]}"
show "corrupt on a folder a run is writing" $F corrupt --input $D/d --output $D/busy --quiet
wait $P; echo "first run: exit $?"
mkdir -p stale && true & G=$!; wait $G
echo "{\"pid\":$G,\"host\":\"$(hostname)\",\"command\":\"fer-c run\",\"since\":\"2026-01-01T00:00:00Z\",\"token\":\"x\"}" > stale/.fer-c.lock
show "a stale lock (its pid is gone)" $F run $R/pipelines/demo.json --set output.dir=$D/stale "${SMALL[@]}"
echo '{"pid":1,"host":"elsewhere","command":"fer-c run","since":"2026-01-01T00:00:00Z","token":"y"}' > stale/.fer-c.lock
show "a lock held on another host" $F run $R/pipelines/demo.json --set output.dir=$D/stale "${SMALL[@]}"
