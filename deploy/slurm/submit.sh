#!/usr/bin/env bash
# Submits a scengine run to Slurm: a job array of SHARDS shard tasks (shard.sbatch) and a merge
# job (merge.sbatch) that starts when every shard has succeeded.
#
#   deploy/slurm/submit.sh [--parsable] SCENARIO SHARDS OUT [SCENGINE] [-- SBATCH_OPTION...]
#
#   SCENARIO  the scenario file
#   SHARDS    the number of shards (array tasks), 1 or more; each one is a separate job, so
#             several per node keep the nodes busy
#   OUT       the output folder: the merged run, with the shards in OUT/shards/K-of-SHARDS/
#   SCENGINE  the scengine binary (default: scengine on PATH)
#   --        what follows goes to both sbatch calls, e.g. -- --partition=batch
#             --cpus-per-task=4 --time=2:00:00 (or set SBATCH_PARTITION, SBATCH_TIMELIMIT...)
#
# Every node must see the scenario, OUT and the binary at the same absolute paths (a shared
# file system): this script makes them absolute and checks them before it submits anything.
# The jobs' logs go to scengine-shard-JOBID_TASK.out and scengine-merge-JOBID.out in the
# current folder. It prints the two job ids (with --parsable: "ARRAY_JOB_ID MERGE_JOB_ID");
# `squeue --me` shows them, `scancel ARRAY_JOB_ID MERGE_JOB_ID` stops the run. When a task
# fails, the merge job never runs: it stays pending (scancel it), or is cancelled where Slurm
# kills jobs whose dependency cannot be met. Then submit the same command again: each shard
# whose files are complete keeps them (scengine run --resume); only the others are computed.
set -euo pipefail

usage="usage: submit.sh [--parsable] SCENARIO SHARDS OUT [SCENGINE] [-- SBATCH_OPTION...]"
parsable=0
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --parsable) parsable=1 ;;
    --) shift; break ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
sbatch_options=("$@")
if [ ${#args[@]} -lt 3 ] || [ ${#args[@]} -gt 4 ]; then
  echo "$usage" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scenario=${args[0]}
shards=${args[1]}
out=${args[2]}
scengine=${args[3]:-scengine}

fail() {
  echo "submit.sh: $*" >&2
  exit 2
}
case $shards in
  '' | *[!0-9]* | 0*) fail "SHARDS must be a positive whole number, not '$shards'" ;;
esac
{ [ -f "$scenario" ] && [ -r "$scenario" ]; } || fail "cannot read the scenario file '$scenario'"
scenario=$(realpath "$scenario")
case $scengine in
  */*) ;;
  *) scengine=$(command -v "$scengine") || fail "no '${args[3]:-scengine}' on PATH" ;;
esac
{ [ -x "$scengine" ] && [ -f "$scengine" ]; } || fail "'$scengine' is not an executable file"
scengine=$(realpath "$scengine")
out=$(realpath -m "$out")
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"

if ! array_job=$(sbatch --parsable --array="0-$((shards - 1))" "${sbatch_options[@]}" \
  "$here/shard.sbatch" "$scenario" "$out" "$scengine"); then
  echo "submit.sh: sbatch refused the shard array (its message above); nothing submitted" >&2
  exit 1
fi
array_job=${array_job%%;*}
if ! merge_job=$(sbatch --parsable --dependency="afterok:$array_job" "${sbatch_options[@]}" \
  "$here/merge.sbatch" "$out" "$shards" "$scengine"); then
  scancel "$array_job" || true
  echo "submit.sh: sbatch refused the merge job (its message above); the shard array" \
    "$array_job is cancelled" >&2
  exit 1
fi
merge_job=${merge_job%%;*}

if [ "$parsable" = 1 ]; then
  echo "$array_job $merge_job"
else
  echo "shards: job array $array_job (tasks 0-$((shards - 1))) -> $out/shards/"
  echo "merge:  job $merge_job, after every shard succeeded -> $out"
fi
