#!/usr/bin/env python3
"""What the window's threads did during the longest frame gaps (for tests/bench/frames.sh).

  threads.py sample ROOT_PID OUT STOP_FILE   every 10 ms until STOP_FILE exists, writes
      each thread's CPU time and time spent runnable but waiting for a CPU (from
      /proc/PID/task/TID/schedstat) for every process under ROOT_PID (the window,
      its WebKit processes, Xvfb, the driver), one JSON line per sample;
  threads.py explain OUT REPORT              for each job's longest gaps in the frames
      report, the threads that ran or waited for a CPU during the gap.

A gap during which the page's threads mostly *waited for a CPU* was the
machine's scheduler (other work on a busy machine); one during which a
thread *ran* was that thread's work.
"""
import json
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def tree(root):
    """ROOT and every process under it."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo += f.read().split()
        except OSError:
            pass
    return found


def sample(root, out, stop):
    threads, scanned = {}, 0.0
    with open(out, "w") as f:
        while not os.path.exists(stop):
            now = time.time()
            if now - scanned > 0.3:
                threads, scanned = {}, now
                for pid in tree(root):
                    try:
                        with open(f"/proc/{pid}/comm") as c:
                            process = c.read().strip()
                        for tid in os.listdir(f"/proc/{pid}/task"):
                            with open(f"/proc/{pid}/task/{tid}/comm") as c:
                                threads[(pid, tid)] = f"{process}/{c.read().strip()}"
                    except OSError:
                        pass
            # The whole machine's CPU time so far (ms, every CPU; idle and iowait left out).
            with open("/proc/stat") as st:
                ticks = [int(x) for x in st.readline().split()[1:]]
            busy = (sum(ticks) - ticks[3] - ticks[4]) * 1000 / HZ
            row = [now, busy]
            for (pid, tid), name in threads.items():
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as s:
                        ran, waited, _ = s.read().split()
                except OSError:
                    continue
                row.append([f"{pid}/{tid}", name, int(ran), int(waited)])
            f.write(json.dumps(row) + "\n")
            time.sleep(0.01)


def explain(out, report):
    with open(out) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    with open(report) as f:
        jobs = json.load(f)["jobs"]
    if not rows:
        print("threads.py: no samples were taken")
        return
    print("What the window's threads did in each job's longest gap (ms of CPU; ms runnable but waiting for a CPU);")
    print("a gap is sampled from its first sample to its last, and a starved sampler samples less:")
    for job in jobs:
        for g in job.get("longest", [])[:1]:
            end = g["end_ms"] / 1000
            begin = end - g["gap"] / 1000
            inside = [r for r in rows if begin <= r[0] <= end]
            if len(inside) < 2:
                print(f"  {job['job']}: {g['gap']:.0f} ms gap, too short to sample")
                continue
            first = {t[0]: t for t in inside[0][2:]}
            busy, ours = [], 0.0
            for key, name, ran, waited in inside[-1][2:]:
                if key in first:
                    r, w = (ran - first[key][2]) / 1e6, (waited - first[key][3]) / 1e6
                    ours += r
                    if r >= 5 or w >= 5:
                        busy.append((r + w, name, r, w))
            span = (inside[-1][0] - inside[0][0]) * 1000
            machine = inside[-1][1] - inside[0][1]
            print(
                f"  {job['job']}: {g['gap']:.0f} ms gap ({span:.0f} ms sampled): the {CPUS} CPUs were "
                f"{100 * machine / (span * CPUS):.0f}% busy, {100 * ours / (span * CPUS):.0f}% with the window's processes"
            )
            for _, name, r, w in sorted(busy, reverse=True)[:6]:
                print(f"    {name:<42} ran {r:6.1f}  waited {w:6.1f}")
            if not busy:
                print("    no thread ran or waited 5 ms or more")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sample":
        sample(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "explain":
        explain(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
