#!/usr/bin/env python3
"""The harness's own rules: which log lines fail a test (sanitizer and
valgrind reports), no server needed."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CLEAN_EXIT = """\
2026-12-04T13:40:29.930Z loomd[31753] info: stopped
==31753== HEAP SUMMARY:
==31753==     in use at exit: 80 bytes in 2 blocks
==31753== LEAK SUMMARY:
==31753==    definitely lost: 0 bytes in 0 blocks
==31753==    indirectly lost: 0 bytes in 0 blocks
==31753==      possibly lost: 0 bytes in 0 blocks
==31753== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)
"""

REPORTS = [
    "==7== Invalid read of size 8",
    "==7== Invalid write of size 1",
    "==7== Invalid free() / delete / delete[] / realloc()",
    "==7== Conditional jump or move depends on uninitialised value(s)",
    "==7== Syscall param write(buf) points to uninitialised byte(s)",
    "==7== Process terminating with default action of signal 11 (SIGSEGV)",
    "==7==    definitely lost: 48 bytes in 1 blocks",
    "==7== ERROR SUMMARY: 3 errors from 2 contexts (suppressed: 0 from 0)",
    "==7== ERROR SUMMARY: 1,024 errors from 9 contexts",
    "==7==ERROR: AddressSanitizer: heap-use-after-free",
    "x.c:12:5: runtime error: signed integer overflow",
]

# Lines that look alike but are no report: NNTP text in a debug log, a
# clean summary, a process killed on purpose.
NOT_REPORTS = [
    "loomd[1] debug: session=1 < POST body: Invalid read of size 8",
    "Invalid write of size 4",
    "==7== ERROR SUMMARY: 0 errors from 0 contexts",
    "==7==    definitely lost: 0 bytes in 0 blocks",
    "==7== Process terminating with default action of signal 15 (SIGTERM)",
]


def test_valgrind_and_sanitizer_reports_fail_the_test():
    for line in REPORTS:
        assert harness.sanitizer_report(CLEAN_EXIT + line + "\n"), line


def test_clean_logs_pass():
    assert harness.sanitizer_report(CLEAN_EXIT) is None
    for line in NOT_REPORTS:
        assert harness.sanitizer_report(CLEAN_EXIT + line + "\n") is None, line


def test_timeouts_scale():
    assert harness.scaled(None) is None
    assert harness.scaled(10) == 10 * harness.TIMEOUT_SCALE
    assert harness.TIMEOUT_SCALE >= 1


if __name__ == "__main__":
    harness.main(globals())
