"""Runs a command and writes its wall time and the rusage of its whole process tree as JSON.

Usage: python3 measure.py OUT.json COMMAND [ARGS...]
wait4() reports the child's CPU time including the descendants it reaped, and its peak RSS,
which Node cannot get for a child process. Times are taken around fork/exec only, so Python's own
start-up is not counted.
"""
import json
import os
import sys
import time

out, command = sys.argv[1], sys.argv[2:]
started = time.time()
start = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    except OSError as err:
        sys.stderr.write(f"{command[0]}: {err}\n")
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
with open(out, "w") as f:
    json.dump({
        "startedAt": started,
        "wallMs": wall * 1000,
        "cpuMs": (usage.ru_utime + usage.ru_stime) * 1000,
        "maxRssKiB": usage.ru_maxrss,
        "exitCode": os.waitstatus_to_exitcode(status),
    }, f)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
