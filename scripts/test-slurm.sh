#!/usr/bin/env bash
# npm run test:slurm — examples/slurm on a real Slurm: a one-node cluster on localhost (munged,
# slurmctld, slurmd) started here in a temporary folder, the checks of test/slurm.slurmtest.ts run
# against it, and exactly the daemons started here stopped at the end, also on failure.
#
# Needs root (slurmd starts jobs as their user; CI runs as root). Installs slurm-wlm and munge with
# apt when they are missing. Touches nothing of a Slurm or MUNGE already set up on the machine: its
# own key, socket, ports, state and logs, all in the temporary folder (kept on failure, for the logs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "test:slurm: needs root (slurmd runs jobs as their user; CI runs as root): sudo npm run test:slurm" >&2
  exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v mungekey >/dev/null; then
  echo "test:slurm: installing slurm-wlm and munge (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

tmp="$(mktemp -d /tmp/ferc-slurm-XXXXXX)"
chmod 755 "$tmp" # munged wants every directory above its socket searchable by all
pids=()
test_pid=
ok=0

# What the trap stops: every job still known to this cluster, then the daemons started here, by pid.
stop_cluster() {
  local rc=$?
  set +e
  # Interrupted: the test and what it started (its process group) first, so that nothing more is submitted.
  if [ -n "$test_pid" ]; then kill -- "-$test_pid" 2>/dev/null; wait "$test_pid" 2>/dev/null; fi
  if [ ${#pids[@]} -gt 0 ] && [ -n "${SLURM_CONF:-}" ]; then
    scancel --user="$(id -un)" 2>/dev/null # SLURM_CONF: this cluster's jobs only
    # Let slurmd see its jobs' steps end before it stops (bounded: 60 s).
    for _ in $(seq 1 120); do
      [ -z "$(squeue -h -t running,completing,configuring 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  # Reverse order: slurmd, slurmctld, munged.
  for ((k = ${#pids[@]} - 1; k >= 0; k--)); do
    kill "${pids[k]}" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "${pids[k]}" 2>/dev/null || break; sleep 0.5; done
    kill -9 "${pids[k]}" 2>/dev/null
    wait "${pids[k]}" 2>/dev/null
  done
  if [ "$ok" = 1 ] && [ "$rc" = 0 ]; then rm -rf "$tmp"; else echo "test:slurm: failed; the cluster's logs and the runs are in $tmp" >&2; fi
  exit "$rc"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

# Waits until "$@" succeeds, polling, for at most $1 seconds; then fails naming $2.
wait_until() {
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "test:slurm: $what not within ${seconds} s; logs in $tmp" >&2
  return 1
}

# MUNGE: a key of its own, its own socket (a system munged, if any, is left alone).
mungekey --create --keyfile="$tmp/munge.key"
munged --foreground --socket="$tmp/munge.socket" --key-file="$tmp/munge.key" --log-file="$tmp/munged.log" \
  --pid-file="$tmp/munged.pid" --seed-file="$tmp/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
wait_until 30 "munged answering on $tmp/munge.socket" bash -c "munge -S '$tmp/munge.socket' -n | unmunge -S '$tmp/munge.socket'"

# slurm.conf: one node, this machine as slurmd -C describes it, reached on 127.0.0.1.
node_line="$(slurmd -C | head -n 1)"
host="$(hostname -s)"
read -r ctld_port slurmd_port < <(node -e '
  const net = require("node:net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  (async () => { const a = await free(); let b = await free(); while (b === a) b = await free(); console.log(a, b); })();')
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
# A one-node cluster on localhost for npm run test:slurm (scripts/test-slurm.sh).
ClusterName=ferc-test
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ctld_port}
SlurmdPort=${slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${tmp}/munge.socket
StateSaveLocation=${tmp}/state
SlurmdSpoolDir=${tmp}/spool
SlurmctldPidFile=${tmp}/slurmctld.pid
SlurmdPidFile=${tmp}/slurmd.pid
SlurmctldLogFile=${tmp}/slurmctld.log
SlurmdLogFile=${tmp}/slurmd.log
# No cgroups in a container: processes are tracked by their parent pid.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd (sacct needs one): finished jobs stay in squeue/scontrol for MinJobAge seconds,
# and each one's end is a line of the job-completion log.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${tmp}/jobcomp.log
MinJobAge=7200
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
${node_line} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"

slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
wait_until 120 "node ${host} idle" bash -c "sinfo -h -n '$host' -o %T | grep -qx idle"

echo "test:slurm: $(sbatch --version) (slurmctld pid ${pids[1]}, slurmd pid ${pids[2]}, munged pid ${pids[0]}); ${node_line}"
# In the background and waited for, so that a signal to this script runs the trap at once; in a process
# group of its own (setsid), which the trap ends with the one-process runs the test started.
FERC_SLURM_DIR="$tmp" setsid node_modules/.bin/uvu dist/test '\.slurmtest\.js$' &
test_pid=$!
wait "$test_pid"
test_pid= # ended and reaped: its group is gone
ok=1
