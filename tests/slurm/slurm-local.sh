#!/usr/bin/env bash
# slurm-local.sh: a single-node Slurm cluster on localhost for cgsim's cluster tests: munged,
# slurmctld and slurmd, the node offering 2 CPUs as 2 task slots. Installs nothing (Debian:
# slurm-wlm and munge); its configuration, key, spool and logs live in one temporary state
# directory that is deleted when it stops.
#
#   slurm-local.sh start            start the cluster, print the path of its slurm.conf
#   slurm-local.sh stop             stop it and delete its state
#   slurm-local.sh status           exit 0 and print slurm.conf's path when it runs, exit 1 otherwise
#   slurm-local.sh run -- CMD...    start, run CMD with SLURM_CONF set, stop (also when CMD fails or
#                                   the script is interrupted); exits with CMD's status
#
# Environment:
#   CGSIM_SLURM_STATE          state directory; default ${TMPDIR:-/tmp}/cgsim-slurm-<uid>
#   CGSIM_SLURM_CPUS           CPUs (task slots) of the node (default 2)
#   CGSIM_SLURM_START_TIMEOUT  seconds to wait for the node to be idle (default 60)
#   CGSIM_SLURM_MAX_SECONDS    a watchdog stops the cluster after this many seconds whatever
#                              happens (default 1800)
#   CGSIM_SLURM_PARENT_PID     when set, the watchdog also stops the cluster once that process exits
#
# Exit codes: 0 ok, 1 failure (message on stderr), 77 Slurm or munge is not installed.
set -euo pipefail

CPUS="${CGSIM_SLURM_CPUS:-2}"

# shellcheck source=../lib/broker-local.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/broker-local.sh"
broker_settings slurm 60 1800 2,13

running_pid() { pid_from "$STATE/slurmctld.pid"; }

# The file ready holds slurm.conf's path once the node is idle.
status() { address_if_running "$STATE/ready"; }

# Sends TERM to the daemon whose pid is in file $1, then KILL after 10 s.
stop_daemon() {
  local pid
  pid="$(pid_from "$1")" || return 0
  terminate "$pid" 10 "$(basename "$1" .pid)"
}

stop() {
  if [[ -f "$STATE/$MARKER" ]]; then
    # Jobs still running are cancelled so that no job step outlives the cluster.
    if running_pid >/dev/null; then
      SLURM_CONF="$STATE/slurm.conf" timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    fi
    stop_daemon "$STATE/slurmd.pid"
    stop_daemon "$STATE/slurmctld.pid"
    stop_daemon "$STATE/munged.pid"
  fi
  stop_watchdog_and_remove_state
}

start() {
  already_running && return 0
  local b
  for b in munged slurmctld slurmd sbatch sinfo; do
    command -v "$b" >/dev/null || { log "$b is not installed (Debian: apt-get install slurm-wlm munge)"; exit 77; }
  done
  new_state
  mkdir -p "$STATE"/{munge,ctld,spool}
  chmod 700 "$STATE" "$STATE/munge"

  # munge: a private key and socket, so that nothing of the host's munge is used or touched.
  head -c 1024 /dev/urandom >"$STATE/munge/munge.key"
  chmod 400 "$STATE/munge/munge.key"
  local sock="$STATE/munge/munge.socket"
  munged --force --key-file="$STATE/munge/munge.key" --socket="$sock" --pid-file="$STATE/munged.pid" \
    --log-file="$STATE/munged.log" --seed-file="$STATE/munge/seed" >"$STATE/munged.out" 2>&1 ||
    { cat "$STATE/munged.out" "$STATE/munged.log" >&2 2>/dev/null; die "munged did not start"; }

  local host ctld_port d_port user
  host="$(hostname -s)"
  user="$(id -un)"
  ctld_port="$(free_port)"
  d_port="$(free_port "$ctld_port")"
  cat >"$STATE/slurm.conf" <<EOF2
ClusterName=cgsimlocal
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=${user}
SlurmdUser=${user}
SlurmctldPort=${ctld_port}
SlurmdPort=${d_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${sock}
StateSaveLocation=${STATE}/ctld
SlurmdSpoolDir=${STATE}/spool
SlurmctldPidFile=${STATE}/slurmctld.pid
SlurmdPidFile=${STATE}/slurmd.pid
SlurmctldLogFile=${STATE}/slurmctld.log
SlurmdLogFile=${STATE}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=1024 State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF2
  export SLURM_CONF="$STATE/slurm.conf"
  slurmctld -i -f "$SLURM_CONF" >"$STATE/slurmctld.out" 2>&1 ||
    { tail -n 30 "$STATE/slurmctld.log" >&2 2>/dev/null; die "slurmctld did not start"; }
  slurmd -f "$SLURM_CONF" -N "$host" >"$STATE/slurmd.out" 2>&1 ||
    { tail -n 30 "$STATE/slurmd.log" >&2 2>/dev/null; die "slurmd did not start"; }
  log "slurmctld on 127.0.0.1:${ctld_port}, slurmd on ${d_port}, ${CPUS} CPUs; state in ${STATE}"

  local deadline=$((SECONDS + START_TIMEOUT)) state=""
  while ((SECONDS < deadline)); do
    state="$(timeout 10 sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)"
    [[ "$state" == idle* ]] && break
    sleep 0.5
  done
  if [[ "$state" != idle* ]]; then
    tail -n 20 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 2>/dev/null || true
    die "the node is not idle after ${START_TIMEOUT} s (state: ${state:-none})"
  fi
  echo "$SLURM_CONF" >"$STATE/ready"
  start_watchdog
  log "ready"
  echo "$SLURM_CONF"
}

run() { run_with SLURM_CONF "$@"; }

broker_main "$@"
