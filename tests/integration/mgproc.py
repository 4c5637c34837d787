# SPDX-License-Identifier: BSD-3-Clause
"""Run mediagate's two processes the way an operator does, for the
integration tests: real executables, real DPDK virtual ports, --no-huge."""
import atexit
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

DATAPLANE = os.environ.get("MG_DATAPLANE", "build/dataplane/mediagate-dataplane")
CONTROL = os.environ.get("MG_CONTROL", "build/control/mediagate-control")

_n = 0


def unique(tag):
    """A name no other test run uses: shm segments, EAL file prefixes."""
    global _n
    _n += 1
    return f"mgit-{tag}-{os.getpid()}-{_n}"


def remove_runtime_dirs(pattern):
    """EAL leaves /var/run/dpdk/<file-prefix> behind when a process ends
    (DPDK 22.11 does not remove it): a suite run left hundreds."""
    for d in glob.glob("/var/run/dpdk/" + pattern):
        shutil.rmtree(d, ignore_errors=True)


# Every prefix unique() made carries this test's pid.
atexit.register(remove_runtime_dirs, f"mgit-*-{os.getpid()}-*")


_TMPDIRS = []


def new_tmpdir(prefix="mgit-"):
    """A temporary directory for the running case: end_case() removes it
    when the case passed and keeps it, for a look at the pcaps, when it
    failed."""
    _TMPDIRS.append(tempfile.mkdtemp(prefix=prefix))
    return _TMPDIRS[-1]


def end_case(passed):
    """The end of a case: its directories removed if it passed; the names
    of those kept, for the failure message."""
    kept = " ".join(_TMPDIRS)
    for d in _TMPDIRS if passed else ():
        shutil.rmtree(d, ignore_errors=True)
    _TMPDIRS.clear()
    return kept


def eal_args(prefix, lcores="0", vdevs=()):
    args = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
            "-l", lcores, "--log-level", "*:warning"]
    for v in vdevs:
        args += ["--vdev", v]
    return args


class Proc:
    """A child process whose stdout+stderr lines are collected as they come,
    so a test can wait for a line without blocking on the pipe."""

    def __init__(self, argv):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pattern, timeout=15):
        """The first line matching `pattern`, or AssertionError on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.lines:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.t.is_alive()):
                    # Pings every few ms would push out what tells why.
                    told = [ln for ln in self.lines if ": ping seq=" not in ln]
                    raise AssertionError(
                        f"no line /{pattern}/ from {self.argv[0]}; got "
                        f"(pings left out):\n" + "\n".join(told[-40:]))
                self.cv.wait(min(left, 0.1))

    def wait(self, timeout=30):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError(f"{self.argv[0]} did not exit within {timeout} s")
        self.t.join(5)
        return rc

    def signal(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def text(self):
        with self.cv:
            return "\n".join(self.lines)


def dataplane(prefix, app_args, lcores="0", vdevs=(), eal_extra=()):
    return Proc([DATAPLANE] + eal_args(prefix, lcores, vdevs) + list(eal_extra) +
                ["--"] + app_args)


def control(args):
    return Proc([CONTROL] + args)


def port_stats(text):
    """{port: {counter: value}} from the dataplane's final mg-stats lines."""
    out = {}
    for m in re.finditer(r"^mg-stats port=(\d+) (.*)$", text, re.M):
        kv = dict(f.split("=", 1) for f in m.group(2).split())
        out[int(m.group(1))] = {k: (int(v) if v.isdigit() else v) for k, v in kv.items()}
    return out


def ctl_stats(text):
    m = re.search(r"^mg-stats ctl (.*)$", text, re.M)
    assert m, "no mg-stats ctl line:\n" + text
    return {k: int(v) for k, v in (f.split("=", 1) for f in m.group(1).split())}


def shm_cleanup(name):
    try:
        os.unlink("/dev/shm/" + name.lstrip("/"))
    except FileNotFoundError:
        pass


def flow_stats(text):
    """{flow id: {counter: value}} from the dataplane's mg-flow lines."""
    out = {}
    for m in re.finditer(r"^mg-flow id=(\d+) (.*)$", text, re.M):
        out[int(m.group(1))] = {k: int(v) for k, v in
                                (f.split("=", 1) for f in m.group(2).split())}
    return out


def pipe_counter(text, name):
    """A counter of the dataplane's mg-pipe lines, summed over its lcores."""
    return sum(int(x) for x in re.findall(rf"^mg-pipe .*\b{name}=(\d+)", text, re.M))


def static_run(tag, tmp, lines, dp_args, lcores="0"):
    """A control plane installing the static flows file `lines` and a
    dataplane on one pcap port ({tmp}/in.pcap in, {tmp}/out.pcap out),
    both stopped; returns (control's output, dataplane's output)."""
    with open(f"{tmp}/flows", "w") as f:
        f.write("\n".join(lines) + "\n")
    shm = "/" + unique(tag)
    ctl = control(["--shm", shm, "--flows", f"{tmp}/flows", "--start",
                   "--ping-interval", "50", "--remove-on-exit"])
    try:
        dp = dataplane(unique(tag), ["--shm", shm, "--media"] + dp_args,
                       lcores=lcores,
                       vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                              f"tx_pcap={tmp}/out.pcap"])
        assert dp.wait(60) == 0, dp.text()
    finally:
        ctl.signal()
        ctl.wait(20)
        shm_cleanup(shm)
    return ctl.text(), dp.text()


def esp_stats(text):
    """{SA id: {counter: value}} from the dataplane's mg-esp lines."""
    out = {}
    for m in re.finditer(r"^mg-esp id=(\d+) spi=\S+ (?:in|out) (.*)$", text, re.M):
        out[int(m.group(1))] = {k: int(v) for k, v in
                                (f.split("=", 1) for f in m.group(2).split())}
    return out


def assert_checksums(p):
    """p's IPv4 header and UDP checksums are what scapy computes for it."""
    from scapy.all import IP, UDP, Ether
    q = p.copy()
    if IP in q:
        del q[IP].chksum
    del q[UDP].chksum
    q = Ether(bytes(q))
    if IP in p:
        assert q[IP].chksum == p[IP].chksum, \
            f"IPv4 checksum {p[IP].chksum:#x}, want {q[IP].chksum:#x}"
    assert q[UDP].chksum == p[UDP].chksum, \
        f"UDP checksum {p[UDP].chksum:#x}, want {q[UDP].chksum:#x}"
