"""Restoring a large archive: time and peak memory of `clipper import --json` on a ~1 GB archive, and of the refusals
of a ~1 GB single line and a deeply nested line.

The archive is a real export, grown: the saved corpus pages (tests/fixtures/ja) are added with `clipper add FILE`,
tagged and quoted by an imported post, exported with `--pages`, and the rows copied with new ids (each copy's pages
get a marker comment, so every page is distinct and is inflated and hashed on restore). Each restore runs in a
child that reports its own peak resident memory (VmHWM), as tests/test_hostile.py does. Target: under 300 MB for a
1 GB archive.

    python bench/restore.py [--mb 1024] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import atexit, sys
def report():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                sys.stderr.write("PEAK_KB " + line.split()[1] + "\\n")
atexit.register(report)
sys.argv = ["clipper", *sys.argv[1:]]
from clipper.cli import main
main()
"""


def clipper(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clipper", *args, "--db", str(db)], capture_output=True, text=True,
                          check=False, env={**os.environ, "CLIPPER_WAYBACK_URL": "http://127.0.0.1:9/"})


def base_archive(folder: Path) -> list[dict[str, Any]]:
    db = folder / "source.db"
    pages = sorted((ROOT / "tests" / "fixtures" / "ja").rglob("*.html"))
    for i, page in enumerate(pages):
        clipper("add", str(page), "--tag", f"t{i % 5}", "--note", "保存ページ", db=db)
    clipper("import", str(ROOT / "tests" / "fixtures" / "posts" / "seed.txt"), db=db)
    out = folder / "base.jsonl"
    done = clipper("export", "--json", "--pages", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def grow(lines: list[dict[str, Any]], target: Path, megabytes: int) -> int:
    """Write copies of the base rows (new ids, distinct pages and posts) until the file is `megabytes` big."""
    header, rows = lines[0], lines[1:]
    span = 1 + max(r["row"].get("id", 0) for r in rows)
    raw = {r["row"]["sha256"]: zlib.decompress(base64.b64decode(r["row"]["data"]["$base64"]))
           for r in rows if r["table"] == "pages"}
    copies = 0
    with target.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header) + "\n")
        while out.tell() < megabytes * 1024 * 1024:
            shift = copies * span
            new_sha: dict[str, str] = {}
            for table in ("clips", "tags", "pages", "fetches", "checks", "posts", "post_clips"):
                for line in rows:
                    if line["table"] != table:
                        continue
                    row = copy.copy(line["row"])
                    for key in ("id", "clip_id", "post_id"):
                        if key in row:
                            row[key] += shift
                    if table == "pages":
                        page = raw[row["sha256"]] + f"<!-- copy {copies} -->".encode()
                        new_sha[row["sha256"]] = hashlib.sha256(page).hexdigest()
                        row.update(sha256=new_sha[row["sha256"]], size=len(page),
                                   data={"$base64": base64.b64encode(zlib.compress(page, 1)).decode()})
                    if table == "fetches" and row.get("page_sha256"):
                        row["page_sha256"] = new_sha[row["page_sha256"]]
                    if table == "posts":
                        row["content_sha256"] = hashlib.sha256(f"{row['content_sha256']}{copies}".encode()
                                                               ).hexdigest()
                    out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
            copies += 1
    return copies


def restore(archive: Path, db: Path) -> tuple[int, float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PROBE, "import", "--json", str(archive), "--db", str(db)],
                          capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    peak = int(proc.stderr.split("PEAK_KB ")[1].split()[0]) // 1024 if "PEAK_KB " in proc.stderr else -1
    said = [line for line in proc.stderr.splitlines() if not line.startswith("PEAK_KB")]
    return proc.returncode, took, peak, " / ".join(said)[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the grown archive in MB")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep its files")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="clipper-restore-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        lines = base_archive(folder)
        big = folder / "big.jsonl"
        copies = grow(lines, big, args.mb)
        size_mb = big.stat().st_size / 1024 / 1024
        clips = sum(line.get("table") == "clips" for line in lines) * copies
        print(f"archive: {size_mb:.0f} MB, {copies} copies of {len(lines) - 1} rows ({clips} clips)")
        code, took, peak, said = restore(big, folder / "restored.db")
        print(f"restore {size_mb:.0f} MB: exit {code}, {took:.1f} s ({size_mb / took:.1f} MB/s), peak {peak} MB"
              f" -- {said}")
        # the same archive with its last page's hash a lie: refused at the last lines, nothing written
        lied = folder / "lied.jsonl"
        text = big.read_bytes()
        at = text.rfind(b'"table": "pages", "row": {"sha256": "') + len(b'"table": "pages", "row": {"sha256": "')
        lied.write_bytes(text[:at] + b"0" * 64 + text[at + 64:])
        del text
        code, took, peak, said = restore(lied, folder / "refused.db")
        print(f"refusal at the end of {size_mb:.0f} MB: exit {code}, {took:.1f} s, peak {peak} MB -- {said}")
        lied.unlink()
        one = folder / "one-line.jsonl"
        with one.open("wb") as fh:
            fh.write(json.dumps(lines[0]).encode() + b'\n{"table": "clips", "row": {"body": "')
            chunk = "長".encode() * (1024 * 1024 // 3)
            for _ in range(args.mb):
                fh.write(chunk)
            fh.write(b'"}}\n')
        code, took, peak, said = restore(one, folder / "one.db")
        print(f"one {one.stat().st_size / 1024 / 1024:.0f} MB line: exit {code}, {took:.1f} s, peak {peak} MB"
              f" -- {said}")
        one.unlink()
        deep = folder / "deep.jsonl"
        deep.write_text(json.dumps(lines[0]) + "\n" + "[" * 10_000_000 + "]" * 10_000_000 + "\n")
        code, took, peak, said = restore(deep, folder / "deep.db")
        print(f"10,000,000 levels of nesting: exit {code}, {took:.1f} s, peak {peak} MB -- {said}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
