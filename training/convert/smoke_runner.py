"""The tiny test runner both converter smoke tests share: run each test, print ok/FAIL per test and
the closing `N passed, M failed` line CI reads, clean up, return the exit code."""
import contextlib
import shutil
import sys
import time
import traceback

import torch


def run_tests(tests, threads, cleanup=()):
    torch.set_num_threads(threads)
    t0 = time.time()
    passed = failed = 0
    for fn in tests:
        t = time.time()
        try:
            with contextlib.redirect_stdout(sys.stderr):
                fn()
            passed += 1
            print(f'ok   {fn.__name__} ({time.time() - t:.1f}s)')
        except Exception:
            failed += 1
            print(f'FAIL {fn.__name__}\n{traceback.format_exc()}')
    for path in cleanup:
        shutil.rmtree(path, ignore_errors=True)
    print(f'{passed} passed, {failed} failed ({time.time() - t0:.1f}s)')
    return 1 if failed else 0
