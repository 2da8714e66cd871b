#!/usr/bin/python3
"""bench/mail_bench.py: issue 13's two figures (bench/mail runs both).

throughput: one run, three mail systems side by side, each the loopback
    Postfix + Dovecot of tests/e2e/test_mail.py (MailLab) built from
    docs/deploy: one with no milter at all, one with the "milter floor"
    (bench_mail_floor_milter: libmilter doing nothing, with govsec-milter's
    negotiation) and one with govsec-milter, each milter on the main smtpd
    and on the outbound inspection hop. Each round sends MESSAGES messages
    (alice@staff.gov.test to outside addresses, so each passes both
    smtpds: a milter twice) over CONNS SMTP connections and waits until
    the sink outside received them all; rounds alternate between the
    systems (a cycle is one round of each, the order rotating each cycle,
    so that the load of the shared machine falls on all of them). Prints
    messages a second (best and median round); the overhead against no
    milter (goal <= 10 %) three ways: of the best rounds, of the median
    rounds, and the median of the cycles' own ratios (each system's round
    against the round without milter of the same cycle, run within
    seconds of it: the load of the shared machine, which drifts over
    minutes, cancels out of it); and the CPU time a message of every
    process of each system (Postfix's daemons by service, the milter, this
    script as client and sink), from /proc/PID/stat sampled every 50 ms
    during each round, with its overhead. Words after the numbers:
    "inet" (the default) or "unix": the milters listen on loopback TCP as
    docs/deploy says or on a Unix socket; "tmpfs" (the default when
    /dev/shm exists) or "disk": where the systems' directories (Postfix's
    queues, Dovecot's mailboxes, the milter's store and journal) are
    made: on this machine's ext4 without a journal, creating a queue file
    costs cleanup from 0.1 to 2.5 ms of kernel CPU depending on how many
    files were deleted nearby in the last seconds by anyone (ext4's
    recently_deleted() scan), which no milter causes or saves;
    "control": a fourth system, a second one without milter (what the
    bench reads as overhead between two identical systems: its noise).
trace: a store with ROWS mail-flow records (generated directly with
    sqlite3 into govsec's own schema: a year of mail, 100,000 local
    senders, 1,000,000 outside recipients, 2 address rows a message,
    indexes as migration 23 makes them), then for lookups by address,
    address and month, an outside recipient, Message-ID, an hour and an
    unknown address: the time of mail_flow_trace() in process
    (bench_mail_trace: the first, cold lookup and the median of 200) and
    the wall time of `govsec mail trace` as a user runs it (median of 5;
    the process start-up is in it: the floor line shows how much).

Usage: bench/mail_bench.py throughput [MESSAGES [CONNS [ROUNDS]]] [inet|unix]
                                       [tmpfs|disk] [control]
       bench/mail_bench.py trace [ROWS]
"""
import contextlib
import os
import pathlib
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SRC = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("GOVSEC_SRC", str(SRC))
sys.path.insert(0, str(SRC / "tests" / "e2e"))

from conftest import BUILD, GOVSEC  # noqa: E402


def send_many(lab, n, conns):
    """Sends n messages over conns parallel SMTP sessions to the main
    smtpd; returns when the last was accepted."""
    body = ("From: alice@staff.gov.test\r\nTo: x@outside.test\r\n"
            "Subject: bench\r\nMessage-ID: <{i}.{t}@bench.test>\r\n\r\n" +
            "line of text\r\n" * 40)
    tag = str(time.monotonic_ns())

    def worker(k):
        with smtplib.SMTP("127.0.0.1", lab.main, timeout=120) as s:
            for i in range(k, n, conns):
                s.sendmail("alice@staff.gov.test",
                           [f"x{i % 1000}@outside.test"],
                           body.format(i=i, t=tag))
    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def proc_stat(pid):
    """(ppid, own CPU ticks, reaped children's CPU ticks) of pid."""
    f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
    x = f.split()
    return int(x[1]), int(x[11]) + int(x[12]), int(x[13]) + int(x[14])


def lab_procs(lab):
    """The lab's processes now: {pid: (name, CPU ticks)} for Postfix's
    master ("master", its own time), its children (named by their
    master.cf service: smtpd -n 127.0.0.1:PORT is the main smtpd or the
    hop) and the milter (all its threads); and the CPU ticks of the
    children the master reaped so far."""
    out = {}
    master = int((lab.d / "queue" / "pid" / "master.pid").read_text())
    _, own, reaped = proc_stat(master)
    out[master] = ("master", own)
    names = {str(lab.main): "smtpd main", str(lab.hop): "smtpd hop"}
    kids = pathlib.Path(f"/proc/{master}/task/{master}/children")
    for pid in kids.read_text().split():
        d = pathlib.Path("/proc") / pid
        try:
            _, own, kreaped = proc_stat(pid)
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        prog = argv[0].decode(errors="replace")
        svc = argv[argv.index(b"-n") + 1].decode() if b"-n" in argv else ""
        name = names.get(svc.rsplit(":", 1)[-1],
                         f"{prog} {svc}".strip() or "exiting")
        out[int(pid)] = (name, own + kreaped)
    if lab.with_milter:
        out[lab.milter.pid] = ("milter", proc_stat(lab.milter.pid)[1])
    return out, reaped


def one_round(lab, n, conns):
    """Messages a second of one round, and the CPU ticks it cost by
    process name: the lab's processes sampled every 50 ms while the round
    runs (Postfix's daemons come and go: one that exits counts with its
    last sample; "exited, unsampled" is what the master reaped beyond
    that), and "bench client + sink": this Python process, which sends
    and stands for the outside (the sampling's own CPU time taken out)."""
    before = len(lab.sink.all())
    start, reaped0 = lab_procs(lab)
    last = dict(start)
    done = threading.Event()
    sampler_cpu = []

    def sample():
        while not done.wait(0.05):
            try:
                now, _ = lab_procs(lab)
            except OSError:
                continue
            last.update(now)
        sampler_cpu.append(time.thread_time())
    t = threading.Thread(target=sample)
    p0 = time.process_time()
    t.start()
    t0 = time.monotonic()
    send_many(lab, n, conns)
    deadline = t0 + 600
    while len(lab.sink.all()) < before + n:
        if time.monotonic() > deadline:
            raise SystemExit("bench/mail: the sink did not get every message")
        time.sleep(0.01)
    rate = n / (time.monotonic() - t0)
    done.set()
    t.join()
    end, reaped1 = lab_procs(lab)
    last.update(end)
    cpu = {}
    gone = 0
    for pid, (name, ticks) in last.items():
        cpu[name] = cpu.get(name, 0) + ticks - start.get(pid, (name, 0))[1]
        if pid not in end:
            gone += ticks
    cpu["exited, unsampled"] = max(0, reaped1 - reaped0 - gone)
    cpu["bench client + sink"] = ((time.process_time() - p0 -
                                   sampler_cpu[0]) *
                                  os.sysconf("SC_CLK_TCK"))
    return rate, cpu


FLOOR = BUILD / "bench_mail_floor_milter"


def throughput(n=400, conns=8, rounds=10, words=()):
    """Three systems side by side: no milter, the floor milter (libmilter
    doing nothing), govsec-milter (and with "control" a second one without
    milter); rounds alternate, the order rotating each cycle."""
    unix = "unix" in words
    sock = "unix" if unix else "inet"
    disk = "disk" in words or not os.path.isdir("/dev/shm")
    where = tempfile.gettempdir() if disk else "/dev/shm"
    os.environ["TMPDIR"] = where
    tempfile.tempdir = None
    from test_mail import MailLab
    names = ["without milter", "milter floor", "with govsec-milter"]
    systems = [lambda: MailLab(with_milter=False),
               lambda: MailLab(milter_argv=[str(FLOOR), "{listen}"],
                               unix_socket=unix),
               lambda: MailLab(with_milter=True, unix_socket=unix)]
    if "control" in words:
        names.append("control: no milter")
        systems.append(lambda: MailLab(with_milter=False))
    rates = {k: [] for k in names}
    cpu = {k: {} for k in names}
    load0 = os.getloadavg()
    with contextlib.ExitStack() as stack:
        labs = {k: stack.enter_context(make())
                for k, make in zip(names, systems)}
        on = labs["with govsec-milter"]
        for lab in labs.values():
            one_round(lab, 100, conns)  # warm up
        order = list(names)
        for _ in range(rounds):
            for k in order:
                r, c = one_round(labs[k], n, conns)
                rates[k].append(r)
                for p, t in c.items():
                    cpu[k][p] = cpu[k].get(p, 0) + t
            order = order[1:] + order[:1]
        records = subprocess.run(
            [str(GOVSEC), "--db", str(on.db), "mail", "trace", "--json",
             "--since", "2000-01-01", "--limit", "100000"],
            capture_output=True, text=True, check=True).stdout.count('"id"')
    load = os.getloadavg()
    print(f"bench/mail throughput: {n} messages x {rounds} rounds, {conns} "
          "connections, each message through the main smtpd and the "
          f"outbound hop, milters on {sock}, queues in {where}; load "
          f"average at the start {load0[0]:.1f}, at the end {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f}")
    best = {k: max(v) for k, v in rates.items()}
    med = {k: statistics.median(v) for k, v in rates.items()}
    base = names[0]
    for k in names:
        print(f"  {k:20s} best {best[k]:7.1f} msg/s  median "
              f"{med[k]:7.1f}  (rounds: " +
              ", ".join(f"{r:.1f}" for r in rates[k]) + ")")
    tick = 1000 / os.sysconf("SC_CLK_TCK")
    msgs = n * rounds
    total = {k: sum(cpu[k].values()) * tick / msgs for k in names}
    print("  overhead against no milter (goal <= 10 %): throughput of the "
          "best rounds, of the median rounds, the median of the cycles' "
          "own ratios (their range); CPU a message")
    for k in names[1:]:
        cyc = sorted(100 * (1 - a / b)
                     for a, b in zip(rates[k], rates[base]))
        print(f"    {k:20s} {100 * (1 - best[k] / best[base]):5.1f} % "
              f"{100 * (1 - med[k] / med[base]):5.1f} % "
              f"{statistics.median(cyc):5.1f} % ({cyc[0]:.1f} to "
              f"{cyc[-1]:.1f})  CPU {total[k]:.2f} ms "
              f"{100 * (total[k] / total[base] - 1):+5.1f} %")
    procs = sorted({p for c in cpu.values() for p in c},
                   key=lambda p: -cpu[names[-1]].get(p, 0))
    print("  CPU ms a message, by process (all rounds):")
    print(f"    {'process':28s}" + "".join(f"{k:>20s}" for k in names))
    for p in procs + ["total"]:
        vals = [(sum(cpu[k].values()) if p == "total" else cpu[k].get(p, 0))
                * tick / msgs for k in names]
        print(f"    {p[:28]:28s}" + "".join(f"{v:20.2f}" for v in vals))
    print(f"  mail-flow records written (with warm-up): {records}")


GEN = """
PRAGMA synchronous = OFF;
PRAGMA journal_mode = OFF;
PRAGMA cache_size = -1000000;
PRAGMA temp_store = FILE;
DROP INDEX mail_flow_at;
DROP INDEX mail_flow_msgid;
DROP INDEX mail_flow_addr_flow;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
                        WHERE i < {rows} - 1)
INSERT INTO mail_flow
SELECT printf('%08x%08x', {t0} + i * {step}, i), {t0} + i * {step},
       CASE i % 2 WHEN 0 THEN 'mx.gov.test' ELSE 'govsec-outbound' END,
       printf('Q%X', i), '127.0.0.1',
       printf('u%d@gov.test', (i * 7919) % 100000),
       printf('m%d@gov.test', i),
       printf('x%d@out%d.test', (i * 104729) % 1000000, i % 100),
       CASE WHEN i % 1000 = 0 THEN 'orcpt-local' ELSE '' END,
       CASE WHEN i % 1000 = 0 THEN 60 ELSE 0 END,
       CASE WHEN i % 1000 = 0 THEN 'reject' ELSE 'accept' END,
       'score 0 below the threshold 50'
FROM n;
INSERT INTO mail_flow_addr
SELECT sender, at, id, 1 FROM mail_flow ORDER BY sender, at, id;
INSERT INTO mail_flow_addr
SELECT rcpts, at, id, 2 FROM mail_flow ORDER BY rcpts, at, id;
{indexes}
ANALYZE;
"""


def ms(argv, env):
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, env=env)
    dt = (time.monotonic() - t) * 1000
    if r.returncode != 0:
        raise SystemExit(f"bench/mail: {argv}: {r.stderr}")
    return dt, r.stdout.count('"id"')


def trace(rows=10_000_000):
    sqlite = shutil.which("sqlite3") or "/usr/bin/sqlite3"
    d = pathlib.Path(tempfile.mkdtemp(prefix="govsec-bench-mail-"))
    try:
        db = d / "govsec.db"
        subprocess.run([str(GOVSEC), "--db", str(db), "init"], check=True,
                       capture_output=True)
        idx = subprocess.run(
            [sqlite, str(db), "SELECT sql || ';' FROM sqlite_master WHERE "
             "name IN ('mail_flow_at', 'mail_flow_msgid', "
             "'mail_flow_addr_flow')"],
            check=True, capture_output=True, text=True).stdout
        assert idx.count("CREATE INDEX") == 3, idx
        year = 365 * 86400
        t0 = int(time.time()) - year
        step = max(1, year // rows)
        t = time.monotonic()
        subprocess.run([sqlite, str(db)], check=True, text=True,
                       stdout=subprocess.DEVNULL,
                       input=GEN.format(rows=rows, t0=t0, step=step,
                                        indexes=idx))
        gen = time.monotonic() - t
        size = db.stat().st_size
        env = dict(os.environ, LANG="C.UTF-8")
        base = [str(GOVSEC), "--db", str(db), "mail", "trace", "--json"]
        mid = rows // 2
        t_mid = t0 + mid * step
        month = [time.strftime("%Y-%m-%d", time.gmtime(t_mid)),
                 time.strftime("%Y-%m-%d", time.gmtime(t_mid + 30 * 86400))]
        hour = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(x))
                for x in (t_mid, t_mid + 3600)]
        sender = f"u{(mid * 7919) % 100000}@gov.test"
        queries = [
            ("address (a local sender, newest 100)",
             ["--address", sender], []),
            ("address + a month", ["--address", sender,
                                   "--since", month[0], "--until", month[1]],
             ["--address", sender, "--since", str(t_mid),
              "--until", str(t_mid + 30 * 86400)]),
            ("outside recipient", ["--address",
                                   f"x{(mid * 104729) % 1000000}"
                                   f"@out{mid % 100}.test"], []),
            ("message-id", ["--message-id", f"<m{mid}@gov.test>"], []),
            ("an hour (newest 100)", ["--since", hour[0], "--until", hour[1]],
             ["--since", str(t_mid), "--until", str(t_mid + 3600)]),
            ("unknown address", ["--address", "nobody@nowhere.test"], []),
        ]
        print(f"bench/mail trace: {rows:,} mail-flow records "
              f"({2 * rows:,} address rows), store {size / 2**30:.1f} GiB, "
              f"generated in {gen:.0f} s")
        tool = BUILD / "bench_mail_trace"
        print(f"  {'lookup':38s} rows   in process: cold  median   "
              "CLI: median")
        for name, args, cargs in queries:
            r = subprocess.run([str(tool), str(db), "200"] +
                               (cargs or args), capture_output=True,
                               text=True, check=True).stdout.split()
            cli = statistics.median(ms(base + args, env)[0]
                                    for _ in range(5))
            print(f"  {name:38s} {int(r[1]):4d}  {float(r[3]) / 1000:9.2f} "
                  f"ms {float(r[5]) / 1000:6.2f} ms  {cli:7.1f} ms")
        floor = statistics.median(
            ms([str(GOVSEC), "--db", str(db), "mail", "trace", "--json",
                "--limit", "1"], env)[0] for _ in range(5))
        print(f"  {'(CLI floor: newest record, limit 1)':38s}      "
              f"                     {floor:7.1f} ms")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "throughput":
        nums = [int(a) for a in sys.argv[2:] if a.isdigit()]
        words = [a for a in sys.argv[2:] if not a.isdigit()]
        bad = set(words) - {"inet", "unix", "tmpfs", "disk", "control"}
        if bad or len(nums) > 3:
            raise SystemExit(__doc__)
        throughput(*nums, words=words)
    elif what == "trace":
        trace(*[int(a) for a in sys.argv[2:3]])
    else:
        raise SystemExit(__doc__)
