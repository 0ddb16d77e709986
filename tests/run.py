#!/usr/bin/python3
"""Run the whole test suite and end with one line "N passed, N failed".

Order: the C unit tests (TAP, every assertion counts), the fuzz corpus
replays (one test per target), then the end-to-end tests in tests/e2e
(unittest, one process so that they share one installed instance).

  tests/run.py [--build DIR] [--unit-only] [-k PATTERN]

SAN=1 in the environment makes the end-to-end instance a sanitizer build.
"""
import argparse
import glob
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def run_units(build, counts):
    for prog in sorted(glob.glob(os.path.join(build, "tests", "t_*"))):
        name = os.path.basename(prog)
        start = time.time()
        try:
            p = subprocess.run([prog], capture_output=True, text=True,
                               errors="replace", timeout=60, cwd=TOP)
            out = p.stdout
            rc = p.returncode
        except subprocess.TimeoutExpired:
            out, rc = "", "timeout"
        passed = failed = 0
        for line in out.splitlines():
            if line.startswith("ok "):
                passed += 1
            elif line.startswith("not ok"):
                failed += 1
                print("  FAIL %s: %s" % (name, line))
            elif line.startswith("#") and failed:
                print("  " + line)
        if rc != 0 and failed == 0:
            failed = 1
            print("  FAIL %s: exit %s\n%s" % (name, rc, p.stderr[-2000:]
                                            if rc != "timeout" else ""))
        counts["passed"] += passed
        counts["failed"] += failed
        print("unit %-20s %4d passed %d failed (%.1fs)" %
              (name, passed, failed, time.time() - start))


def run_replays(build, counts):
    for prog in sorted(glob.glob(os.path.join(build, "fuzz", "replay_*"))):
        target = os.path.basename(prog)[len("replay_"):]
        corpus = os.path.join(HERE, "fuzz", "corpus", target)
        files = sorted(glob.glob(os.path.join(corpus, "*")))
        if not files:
            print("  FAIL fuzz %s: empty corpus %s" % (target, corpus))
            counts["failed"] += 1
            continue
        p = subprocess.run([prog] + files, capture_output=True, text=True,
                           errors="replace", timeout=300)
        if p.returncode == 0:
            counts["passed"] += 1
            print("fuzz %-20s corpus of %d replayed" % (target, len(files)))
        else:
            counts["failed"] += 1
            print("  FAIL fuzz %s exit %d\n%s" % (target, p.returncode,
                                                 p.stderr[-3000:]))


class CountingResult(unittest.TextTestResult):
    pass


def run_e2e(pattern, counts):
    sys.path.insert(0, os.path.join(HERE, "e2e"))
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    suite = loader.discover(os.path.join(HERE, "e2e"), pattern="test_*.py",
                            top_level_dir=os.path.join(HERE, "e2e"))
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout,
                                     resultclass=CountingResult)
    result = runner.run(suite)
    try:
        import harness
        reports = harness.sanitizer_reports()
        for r in reports:
            print("  FAIL sanitizer report from a child process:\n" + r)
        counts["failed"] += len(reports)
        harness.cleanup_all()
    except ImportError:
        pass
    # a test with failing subtests is in result.failures once per subtest:
    # it counts as one failed test
    def test_of(t):
        return id(getattr(t, "test_case", t))  # a _SubTest's test
    bad = len({test_of(t) for t, _ in result.failures + result.errors} |
              {test_of(t) for t in result.unexpectedSuccesses})
    counts["failed"] += bad
    counts["skipped"] += len(result.skipped)
    counts["passed"] += max(result.testsRun - bad - len(result.skipped), 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("-k", dest="pattern")
    args = ap.parse_args()
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not args.pattern:
        run_units(os.path.abspath(args.build), counts)
        run_replays(os.path.abspath(args.build), counts)
    if not args.unit_only:
        run_e2e(args.pattern, counts)
    line = "%d passed, %d failed" % (counts["passed"], counts["failed"])
    if counts["skipped"]:
        line += ", %d skipped" % counts["skipped"]
    print(line)
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
