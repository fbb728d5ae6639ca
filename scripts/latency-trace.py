#!/usr/bin/env python3
"""latency-trace.py TRACE WORKDIR [THRESHOLD_MS [SAMPLES]] — the kernel's view of the slow
lines of one latency run (scripts/latency-trace.sh makes the inputs).

TRACE is `perf script -F comm,pid,tid,cpu,time,event,trace --show-lost-events` of a
`perf record -a -k CLOCK_MONOTONIC` of the scheduler and timer events, so its times are on the
clock the benchmark's probe uses; WORKDIR holds the run's latency.log (each line begins with the
microsecond it was written) and acks.txt (the agent's probe: file offset, acknowledged, taken by
the producer, request built). For every line slower than THRESHOLD_MS (default 2), from its
write(2) to its acknowledgement, it prints where the agent's loop thread was:

  on CPU       running (its own work, or time the machine took from it while it ran: a guest
               cannot tell the two apart)
  asleep       in epoll: for the line, the 1 ms linger, or the broker's answer
  waiting      woken but not yet running. Split by what its CPU did meanwhile: another task
               (named), or nothing: the CPU was idle and still did not run it, which only
               happens when the machine under this one does not run that CPU
  not traced   seen running again with no event of its wake-up: the trace of that CPU has a
               hole (the task it last showed there is named)

and how late the timers fired: the agent's own, and the scheduler tick of any CPU busy with a
task. That tick is armed for an exact moment, so when it fires late the CPU was not running (or
had its interrupts off) then; an idle CPU's tick is not counted, as idle it may be stopped. The
same split is printed for the threads the agent woke in the window (the broker's).

SAMPLES, if given, is `perf script -F tid,time,ip,sym` of a `perf record -e cpu-clock -c 50000
-g` of the agent alone: a sample every 50 us of the time it runs. For each slow line it prints
how many samples its time on CPU got against the number expected, and where most fell: time "on
CPU" with far fewer samples than expected is time the thread did not execute.

A benchmark tool: it reports, it does not judge.
"""
import collections
import re
import sys

LINE = re.compile(r'^\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$')
KV = re.compile(r'(\w+)=(\S+)')


def load_lines(wd):
    """(write_us, taken_us, request_us, ack_us) for each acknowledged line."""
    ends, off = {}, 0
    with open(wd + '/latency.log', 'rb') as f:
        for raw in f:
            off += len(raw)
            ends[off] = int(raw.split(b' ', 1)[0])
    out = []
    with open(wd + '/acks.txt') as f:
        for raw in f:
            p = raw.split()
            if len(p) >= 4 and int(p[1]) in ends:
                out.append((ends[int(p[1])], int(p[3]), int(p[4]) if len(p) > 4 else 0, int(p[2])))
    return out


def load_events(path):
    ev, lost = [], 0
    with open(path, errors='replace') as f:
        for raw in f:
            if 'LOST' in raw and 'events' in raw:
                m = re.search(r'LOST (\d+)', raw)
                lost += int(m.group(1)) if m else 1
                continue
            m = LINE.match(raw)
            if not m:
                continue
            comm, pid, tid, cpu, t, name, tr = m.groups()
            ev.append((int(float(t) * 1e6 + 0.5), int(pid), int(tid), int(cpu), comm,
                       name.split(':')[-1], dict(KV.findall(tr))))
    ev.sort(key=lambda e: e[0])
    return ev, lost


class Task:
    """One thread's states over time: (start_us, state, cpu), the state one of run, sleep,
    wait (woken, not yet running) and unseen (not traced)."""

    def __init__(self):
        self.seg = []

    def set(self, t, state, cpu):
        if not self.seg or self.seg[-1][1] != state or self.seg[-1][2] != cpu:
            self.seg.append((t, state, cpu))

    def spans(self, a, b):
        for i, (t, s, c) in enumerate(self.seg):
            end = self.seg[i + 1][0] if i + 1 < len(self.seg) else b
            lo, hi = max(t, a), min(end, b)
            if hi > lo:
                yield lo, hi, s, c


def analyse(ev):
    tasks = collections.defaultdict(Task)
    cur = {}  # cpu -> [(since_us, pid, comm)]
    timers, late = {}, collections.defaultdict(list)  # tid -> [(at_us, late_us)]
    wakers = []  # (t, waker tid, woken tid)
    last_prev = {}  # cpu -> (tid, us): the task its last switch took off it, and when
    for t, pid, tid, cpu, comm, name, d in ev:
        seg = tasks[tid].seg if tid else None
        # An event of the task that just switched out, still in its context (within 50 us of
        # the switch), is no sign of life.
        prev_tid, prev_t = last_prev.get(cpu, (0, 0))
        if seg and seg[-1][1] != 'run' and not (prev_tid == tid and t - prev_t < 50):
            # Seen running without its wake-up and switch in the trace: the events of that
            # stretch are missing (the CPU ran something the trace does not show).
            seg[-1] = (seg[-1][0], 'unseen', seg[-1][2])
            tasks[tid].set(t, 'run', cpu)
        if name == 'sched_switch':
            p, n = int(d['prev_pid']), int(d['next_pid'])
            last_prev[cpu] = (p, t)
            tasks[p].set(t, 'wait' if d['prev_state'].startswith('R') else 'sleep', cpu)
            tasks[n].set(t, 'run', cpu)
            cur.setdefault(cpu, []).append((t, n, d['next_comm']))
        elif name == 'sched_waking':
            w = int(d['pid'])
            if not tasks[w].seg or tasks[w].seg[-1][1] == 'sleep':
                tasks[w].set(t, 'wait', -1)
            wakers.append((t, tid, w))
        elif name == 'hrtimer_start' and d.get('function') == 'hrtimer_wakeup':
            timers[d['hrtimer']] = (tid, int(d['expires']) // 1000)
        elif name == 'hrtimer_cancel':
            timers.pop(d.get('hrtimer'), None)
        elif name == 'hrtimer_expire_entry' and d['hrtimer'] in timers:
            owner, exp = timers.pop(d['hrtimer'])
            late[owner].append((t, int(d['now']) // 1000 - exp))
    # The scheduler tick is armed for a jiffy boundary: how late it fires is how late its CPU ran.
    tick_late, armed = [], {}
    for t, pid, tid, cpu, comm, name, d in ev:
        if name == 'hrtimer_cancel':
            armed.pop(d.get('hrtimer'), None)
        if not d.get('function', '').startswith('tick_'):
            continue
        if name == 'hrtimer_start':
            armed[d['hrtimer']] = int(d['expires']) // 1000
        elif name == 'hrtimer_expire_entry' and d['hrtimer'] in armed:
            due = armed.pop(d['hrtimer'])
            # Only a CPU that was running a task then: an idle CPU may stop and move its tick.
            if 'idle' not in on_cpu(cur, cpu, due, due + 1):
                tick_late.append((t, int(d['now']) // 1000 - due, cpu))
    return tasks, cur, late, tick_late, wakers


def on_cpu(cur, cpu, a, b):
    """What ran on cpu during [a, b): {comm: us}, the idle task as 'idle'."""
    out = collections.Counter()
    hist = cur.get(cpu, [])
    for i, (t, pid, comm) in enumerate(hist):
        end = hist[i + 1][0] if i + 1 < len(hist) else b
        lo, hi = max(t, a), min(end, b)
        if hi > lo:
            out['idle' if pid == 0 else comm] += hi - lo
    return out


def next_cpu(task, t):
    """The CPU of the task's first run at or after t (-1: none in the trace)."""
    return next((c for u, s, c in task.seg if u >= t and s == 'run'), -1)


def split(task, cur, a, b):
    run = sleep = wait_idle = unseen = 0
    behind, blind = collections.Counter(), collections.Counter()
    for lo, hi, s, c in task.spans(a, b):
        if s == 'run':
            run += hi - lo
        elif s == 'sleep':
            sleep += hi - lo
        elif s == 'unseen':
            unseen += hi - lo
            cpu = next_cpu(task, hi)
            if cpu >= 0:
                blind.update(on_cpu(cur, cpu, lo, hi))
        else:
            # the CPU it then ran on (or was preempted on) tells what kept it waiting
            cpu = c if c >= 0 else next_cpu(task, hi)
            if cpu < 0:
                wait_idle += hi - lo
                continue
            for comm, us in on_cpu(cur, cpu, lo, hi).items():
                if comm == 'idle':
                    wait_idle += us
                else:
                    behind[comm] += us
    return run, sleep, wait_idle, behind, unseen, blind


def load_samples(path, tid):
    """[(time_us, [frames, leaf first])] of the thread tid."""
    out = []
    with open(path, errors='replace') as f:
        for block in f.read().split('\n\n'):
            rows = [r for r in block.split('\n') if r.strip()]
            if not rows:
                continue
            head = rows[0].split()
            try:
                if int(head[0]) != tid:
                    continue
                t = int(float(head[1].rstrip(':')) * 1e6 + 0.5)
            except (ValueError, IndexError):
                continue
            out.append((t, [' '.join(r.split()[1:]) for r in rows[1:]]))
    out.sort(key=lambda x: x[0])
    return out


def sampled(samples, task, a, b):
    """(samples in the thread's time on CPU within [a, b), that time, the commonest leaf)."""
    n, run, where = 0, 0, collections.Counter()
    for lo, hi, s, _c in task.spans(a, b):
        if s != 'run':
            continue
        run += hi - lo
        for t, st in samples:
            if lo <= t < hi:
                n += 1
                where[st[0] if st else '?'] += 1
    top = ', '.join('%s %d' % kv for kv in where.most_common(2))
    return n, run, top


def ms(us):
    return '%.2f' % (us / 1000.0)


def most(counter, n):
    """'name 1.23, name 0.45' for the n largest of a Counter of microseconds."""
    return ', '.join('%s %s' % (k, ms(v)) for k, v in counter.most_common(n))


def main():
    if len(sys.argv) < 3:
        sys.exit('usage: latency-trace.py TRACE WORKDIR [THRESHOLD_MS [SAMPLES]]')
    thr = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    lines = load_lines(sys.argv[2])
    ev, lost = load_events(sys.argv[1])
    agent = next((e[1] for e in ev if e[4] == 'logwire' and e[1] == e[2]), None)
    if agent is None:
        sys.exit('latency-trace: no logwire thread in the trace')
    tasks, cur, late, tick_late, wakers = analyse(ev)
    samples = load_samples(sys.argv[4], agent) if len(sys.argv) > 4 else None
    slow = sorted((l for l in lines if l[3] - l[0] > thr * 1000), key=lambda l: l[0] - l[3])
    t0 = lines[0][0] if lines else 0
    print('  %d lines, %d slower than %.1f ms; %d trace events, %s' %
          (len(lines), len(slow), thr, len(ev), ('%d lost' % lost) if lost else 'none lost'))
    tot_excess = tot_machine = tot_unseen = 0
    for w, s, r, a in slow:
        run, sleep, widle, behind, unseen, blind = split(tasks[agent], cur, w, a)
        al = max((x[1] for x in late[agent] if w <= x[0] <= a), default=0)
        tl = max(((x[1], x[2]) for x in tick_late if w <= x[0] <= a + 1000), default=(0, -1))
        parts = (ms(s - w), ms(r - s) if r else '?', ms(a - r) if r else '?')
        print('  %s ms at %.3f s (write -> taken %s, taken -> request %s, request -> ack %s)' %
              ((ms(a - w), (w - t0) / 1e6) + parts))
        b = most(behind, 3) or 'none'
        print('    agent: on CPU %s, asleep %s, waiting %s with its CPU idle, %s behind other '
              'tasks (%s); its timers up to %s ms late' %
              (ms(run), ms(sleep), ms(widle), ms(sum(behind.values())), b, ms(al)))
        if unseen:
            print('    agent: %s ms not traced (no event of its wake-up; its CPU last showed %s)' %
                  (ms(unseen), most(blind, 2)))
        if samples is not None:
            n, run_us, top = sampled(samples, tasks[agent], w, a)
            print('    its time on CPU got %d cpu-clock samples of ~%d expected (one per 50 us)%s' %
                  (n, run_us // 50, (': ' + top) if top else ''))
        # the tasks the agent woke in the window (the broker's threads), as one
        woken = {x[2] for x in wakers if w <= x[0] <= a and x[1] == agent and x[2] != agent}
        if woken:
            brun = bidle = 0
            bbehind = collections.Counter()
            for tid in woken:
                r2, _s2, wi2, bh2, _u2, _b2 = split(tasks[tid], cur, w, a)
                brun += r2
                bidle += wi2
                bbehind.update(bh2)
            bb = most(bbehind, 3) or 'none'
            print('    woken by it (%d threads): on CPU %s, waiting %s with the CPU idle, %s '
                  'behind other tasks (%s)' % (len(woken), ms(brun), ms(bidle),
                                               ms(sum(bbehind.values())), bb))
        print('    the scheduler tick of a busy CPU: up to %s ms late%s' %
              (ms(tl[0]), (' (CPU %d)' % tl[1]) if tl[1] >= 0 else ''))
        tot_excess += a - w
        tot_machine += widle
        tot_unseen += unseen
    if slow:
        print('  over all %d: %s ms in all; the agent waited %s ms of it on an idle CPU and was '
              'not traced for %s ms' % (len(slow), ms(tot_excess), ms(tot_machine), ms(tot_unseen)))


if __name__ == '__main__':
    main()
