#!/usr/bin/env bash
# A real Slurm on this machine runs deploy/slurm/: a 4-task shard array of
# Tests/slurm/two-variants.yaml and the dependent merge job; the merged files must have the
# SHA-256 of a one-process `scengine run` of the same scenario. Then one shard folder is
# removed and the same run submitted again (2 CPUs per task): that shard must be recomputed
# with 2 threads, the others kept (--resume), and the merged files must be the same again.
# A one-CPU machine runs the same with 1 CPU per task.
#
#   SCENGINE_BIN=/abs/path/to/scengine Tests/slurm/test_slurm.sh     (make test-slurm)
#
# As root it installs the Debian packages slurm-wlm and munge when they are missing, writes a
# one-node slurm.conf for this machine (CPUs from nproc, the node named `hostname -s`, reached
# at 127.0.0.1, free ports), and starts munged, slurmctld and slurmd with all their state
# (key, sockets, spool, logs) in a temporary folder. It stops the daemons it started, and
# cancels the jobs, also on failure or interruption; the system's own Slurm or munge, if any,
# is not touched (the services that installing the packages starts are stopped again).
# Without root it only says that it is skipped. On failure it prints the job logs and the
# daemon logs, and keeps the temporary folder.
#
# Settings known to work with Debian 12's Slurm 22.05 in a container: proctrack/linuxproc,
# task/none, select/cons_tres and no cgroup.conf (22.05 does not know CgroupPlugin=disabled).
#
# Environment: SCENGINE_BIN (required), SLURM_TEST_TIMEOUT (seconds the jobs may take, 600).
set -euo pipefail

say() { echo "test-slurm: $*"; }
die() {
  echo "test-slurm: FAILED: $*" >&2
  exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenario=$repo/Tests/slurm/two-variants.yaml
shards=4
timeout=${SLURM_TEST_TIMEOUT:-600}

if [ "$(id -u)" != 0 ]; then
  say "skipped: it needs root, to install slurm-wlm and munge and to run slurmd" \
    "(run make test-slurm as root)"
  exit 0
fi
[ -n "${SCENGINE_BIN:-}" ] || die "SCENGINE_BIN is not set (make test-slurm sets it)"
[ -x "$SCENGINE_BIN" ] || die "SCENGINE_BIN=$SCENGINE_BIN is not an executable file"
scengine=$(realpath "$SCENGINE_BIN")
command -v python3 >/dev/null || die "python3 is needed to compare the manifests"

# --- Debian packages --------------------------------------------------------------------------
packages=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  # Where nothing forbids it (policy-rc.d), installing starts the packages' system services
  # (munge: its system munged; slurmd and slurmctld only with an /etc/slurm/slurm.conf). Those
  # that were not running before are stopped again: this test runs its own daemons.
  declare -A was_running=()
  for daemon in munged slurmctld slurmd; do
    pgrep -x "$daemon" >/dev/null && was_running[$daemon]=1
  done
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
  for service in munge:munged slurmctld:slurmctld slurmd:slurmd; do
    daemon=${service#*:}
    if [ -z "${was_running[$daemon]:-}" ] && pgrep -x "$daemon" >/dev/null; then
      say "stopping the $daemon that installing ${service%%:*} started"
      invoke-rc.d "${service%%:*}" stop >/dev/null 2>&1 || true
    fi
  done
fi
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  command -v "$tool" >/dev/null || die "$tool is missing after installing ${packages[*]}"
done

# --- State, and cleanup of whatever this script started -----------------------------------------
work=$(mktemp -d /tmp/scengine-slurm.XXXXXX)
# munged refuses a socket in a folder that others cannot traverse.
chmod 755 "$work"
mkdir -p "$work/state" "$work/spool" "$work/jobs"
# Only this test's Slurm settings reach sbatch and the jobs (not those of a Slurm job or a
# user's SBATCH_PARTITION, say, that the test runs in).
# shellcheck disable=SC2046  # variable names, one per word
unset $(compgen -e | grep -E '^(SLURM|SBATCH|SQUEUE|SINFO|SCONTROL)_') 2>/dev/null || true
export SLURM_CONF=$work/slurm.conf
munged_pid=
slurmctld_pid=
slurmd_pid=
passed=0

# TERM, then KILL after 10 s, for one of our daemons; waits for it to exit.
stop_daemon() {
  local name=$1 pid=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

print_logs() {
  local f
  for f in "$work"/jobs/*.out "$work"/*.log "$work"/*.stderr; do
    [ -f "$f" ] || continue
    # A daemon's stderr repeats its log file; it matters when the log file was never opened.
    case $f in *.stderr) [ -s "${f%.stderr}.log" ] && continue ;; esac
    echo "----- $f (last 60 lines)" >&2
    tail -n 60 "$f" >&2
  done
}

# Whether process $1 is a step daemon or job process of this test's Slurm.
is_ours() {
  local environment
  environment=$({ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null) || return 1
  grep -qx "SLURM_CONF=$SLURM_CONF" <<<"$environment" || return 1
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = slurmstepd ] \
    || grep -q '^SLURM_JOB_ID=' <<<"$environment"
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  if [ "$passed" != 1 ]; then
    [ "$status" = 0 ] && status=1
    print_logs
  fi
  if [ -n "$slurmctld_pid" ] && kill -0 "$slurmctld_pid" 2>/dev/null; then
    # Jobs first: a batch step (slurmstepd) outlives slurmd.
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
    # shellcheck disable=SC2086  # one job id per word
    [ -n "$jobs" ] && scancel --quiet $jobs
    for _ in $(seq 30); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
      sleep 1
    done
  fi
  # What is left of our jobs (slurmctld gone, or a job that ignored the cancel): the step
  # daemons that our slurmd started and the jobs' processes, all with our SLURM_CONF in their
  # environment (slurmd's, and the submitting shell's); the step daemons first.
  local p
  for p in $(pgrep -x slurmstepd 2>/dev/null); do
    is_ours "$p" && kill -KILL "$p" 2>/dev/null
  done
  for p in /proc/[0-9]*; do
    is_ours "${p#/proc/}" && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  stop_daemon slurmd "$slurmd_pid"
  stop_daemon slurmctld "$slurmctld_pid"
  stop_daemon munged "$munged_pid"
  if [ "$passed" = 1 ]; then
    rm -rf "$work"
  else
    echo "test-slurm: the daemons are stopped; their state and logs are in $work" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# A TCP port nothing listens on (a connection to it is refused).
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found between 20000 and 39999"
}

# --- The reference: one process -----------------------------------------------------------------
say "one-process run of $(basename "$scenario")"
"$scengine" run "$scenario" --out "$work/reference" >"$work/reference.log" 2>&1 \
  || {
    cat "$work/reference.log" >&2
    die "the one-process run failed"
  }

# --- munged ------------------------------------------------------------------------------------
mungekey --create --keyfile="$work/munge.key" || die "mungekey could not create a key"
munged --foreground --socket="$work/munge.sock" --key-file="$work/munge.key" \
  --pid-file="$work/munged.pid" --seed-file="$work/munged.seed" >"$work/munged.log" 2>&1 &
munged_pid=$!
for _ in $(seq 50); do
  [ -S "$work/munge.sock" ] && break
  kill -0 "$munged_pid" 2>/dev/null || die "munged exited at start"
  sleep 0.1
done
munge --socket="$work/munge.sock" --no-input | unmunge --socket="$work/munge.sock" >/dev/null \
  || die "munged does not answer on $work/munge.sock"

# --- slurm.conf, slurmctld, slurmd -------------------------------------------------------------
node=$(hostname -s 2>/dev/null || true)
node=${node:-localhost}
cpus=$(nproc)
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
cat >"$SLURM_CONF" <<EOF
# One node, this machine; written by Tests/slurm/test_slurm.sh.
ClusterName=scenginetest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Finished jobs stay visible to scontrol long enough to read their state.
MinJobAge=3600
# A merge whose shards failed is cancelled instead of waiting forever.
DependencyParameters=kill_invalid_depend
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
say "starting slurmctld (port $ctld_port) and slurmd (port $slurmd_port, node $node," \
  "CPUs=$cpus)"
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.stderr" 2>&1 &
slurmctld_pid=$!
slurmd -D -f "$SLURM_CONF" -N "$node" >"$work/slurmd.stderr" 2>&1 &
slurmd_pid=$!

state=
for _ in $(seq 60); do
  kill -0 "$slurmctld_pid" 2>/dev/null || die "slurmctld exited at start"
  kill -0 "$slurmd_pid" 2>/dev/null || die "slurmd exited at start"
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || die "node $node is not idle after 60 s (state: '${state:-none}')"

# --- The jobs ----------------------------------------------------------------------------------
# submit_and_check LABEL [SBATCH_OPTION...]: submits the shard array and the merge job with
# deploy/slurm/submit.sh, waits for both (at most $timeout seconds), requires every task and
# the merge to have COMPLETED, and compares the merged run with the one-process run.
submit_and_check() {
  local label=$1 ids array_job merge_job deadline queued array_record merge_record array_states
  local merge_state completed
  shift
  ids=$("$repo/deploy/slurm/submit.sh" --parsable "$scenario" "$shards" "$work/out" \
    "$scengine" -- "$@") || die "$label: submit.sh failed"
  read -r array_job merge_job <<<"$ids"
  say "$label: submitted shard array $array_job ($shards tasks) and merge job $merge_job"

  deadline=$((SECONDS + timeout))
  while :; do
    kill -0 "$slurmctld_pid" 2>/dev/null || die "$label: slurmctld exited while the jobs ran"
    kill -0 "$slurmd_pid" 2>/dev/null || die "$label: slurmd exited while the jobs ran"
    queued=$(squeue -h -j "$array_job,$merge_job" -o %i) || die "$label: squeue failed"
    [ -n "$queued" ] || break
    if [ $SECONDS -ge $deadline ]; then
      squeue -j "$array_job,$merge_job" >&2 || true
      die "$label: the jobs did not finish within $timeout s (SLURM_TEST_TIMEOUT)"
    fi
    sleep 1
  done

  array_record=$(scontrol -o show job "$array_job") || die "$label: scontrol show job failed"
  merge_record=$(scontrol -o show job "$merge_job") || die "$label: scontrol show job failed"
  array_states=$(sed -n 's/.* JobState=\([A-Z_]*\).*/\1/p' <<<"$array_record" | sort | uniq -c \
    | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
  merge_state=$(grep -o 'JobState=[A-Z_]*' <<<"$merge_record")
  completed=$(grep -c 'JobState=COMPLETED' <<<"$array_record" || true)
  [ "$completed" = "$shards" ] \
    || die "$label: shard array $array_job: $completed of $shards tasks completed ($array_states)"
  [ "$merge_state" = JobState=COMPLETED ] || die "$label: merge job $merge_job: $merge_state"
  say "$label: all $shards shard tasks and the merge job completed"

  python3 "$repo/Tests/slurm/compare_runs.py" --shards "$shards" "$work/reference" "$work/out" \
    || die "$label: the merged run differs from the one-process run"
}

cd "$work/jobs"
submit_and_check "first submission"

# A shard lost after the merge (or never written): submitting the same run again recomputes
# it, here with 2 CPUs per task (1 on a one-CPU machine) and as many threads, while every
# other shard keeps its finished files in place (--resume: same inode and modification time),
# and the merge gives the same bytes again.
# shard_files K: the files of shard K's variants, with their inode and modification time.
shard_files() {
  find "$work/out/shards/$1-of-$shards" -mindepth 2 -type f -exec stat -c '%n %i %y' {} + | sort
}
declare -a before=()
for ((k = 0; k < shards; k++)); do before[k]=$(shard_files "$k"); done
rm -r "$work/out/shards/1-of-$shards"
task_cpus=$((cpus >= 2 ? 2 : 1))
submit_and_check "second submission, shard 1 lost" --cpus-per-task="$task_cpus"
for ((k = 0; k < shards; k++)); do
  [ "$k" = 1 ] || [ "$(shard_files "$k")" = "${before[k]}" ] \
    || die "second submission: shard $k did not keep its files; before:
${before[k]}
after:
$(shard_files "$k")"
done
threads=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["threads"])' \
  "$work/out/shards/1-of-$shards/manifest.json")
[ "$threads" = "$task_cpus" ] || die "second submission: shard 1 ran $threads threads;" \
  "expected $task_cpus (--cpus-per-task=$task_cpus)"
passed=1
say "passed: the merged files have the SHA-256 of the one-process run, also after a" \
  "resubmission that recomputed a lost shard"
