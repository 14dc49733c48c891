"""Start-up time of the CLI: `clipper --help` and `clipper list` on an empty database, against a bare
`python -c pass`, each run N times in fresh processes (median and worst wall time). Target: under 0.3 s each.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CLIPPER_DB=os.path.join(tmp, "empty.db"))
        # create the empty db (read commands such as `list` never create one)
        subprocess.run([sys.executable, "-c", "import sys; from clipper.store import open_db; open_db(sys.argv[1])",
                        env["CLIPPER_DB"]], env=env, check=True)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "clipper --help": [sys.executable, "-m", "clipper", "--help"],
            "clipper list (empty db)": [sys.executable, "-m", "clipper", "list"],
        }
        results = {name: timed(cmd, env, args.runs) for name, cmd in cases.items()}
    base = statistics.median(results["python -c pass"])
    print(f"{'command':<26} {'median':>8} {'worst':>8} {'over bare python':>17}  target")
    for name, times in results.items():
        med = statistics.median(times)
        verdict = "" if name.startswith("python") else ("ok (< 0.3 s)" if med < 0.3 else "MISSED (>= 0.3 s)")
        print(f"{name:<26} {med:8.3f} {max(times):8.3f} {med - base:+16.3f}s  {verdict}")


if __name__ == "__main__":
    main()
