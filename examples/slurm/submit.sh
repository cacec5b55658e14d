#!/bin/bash
# Submits calibrate → shards (a job array) → merge, each step after the one
# before it succeeded (afterok: on an array, after every task succeeded).
#   FERC_DIR=$HOME/fer-c SPEC=pipelines/affectnet-c.json OUT=/shared/runs/affectnet-c \
#   FERC_SET="--set source.root=/shared/data/AffectNet" SHARDS=8 ./submit.sh
# OUT must be on a shared POSIX filesystem every node mounts (see README.md).
# CPUS_PER_TASK (optional) replaces the #SBATCH --cpus-per-task of calibrate and
# of each shard (8 and 16): sbatch refuses a job that no node of the partition
# can hold. Memory has sbatch's own variable, SBATCH_MEM_PER_NODE (replaces --mem).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${FERC_DIR:?}" "${SPEC:?}" "${OUT:?}"
SHARDS="${SHARDS:-8}"
export FERC_DIR SPEC OUT SHARDS FERC_SET="${FERC_SET:-}"
cpus=(${CPUS_PER_TASK:+"--cpus-per-task=${CPUS_PER_TASK}"})
calibrate=$(sbatch --parsable --export=ALL "${cpus[@]}" "$here/calibrate.sbatch")
shards=$(sbatch --parsable --export=ALL "${cpus[@]}" --array="0-$((SHARDS - 1))" --dependency="afterok:${calibrate}" "$here/shard.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency="afterok:${shards}" "$here/merge.sbatch")
echo "calibrate ${calibrate} → shards ${shards} (array 0-$((SHARDS - 1))) → merge ${merge}"
