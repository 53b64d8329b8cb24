"""Run the benchmarks, print the tables and write them to a results file.

    ./scripts/bench [--quick] [--only ci,startup,artifacts,runtime,local,database] [--workdir DIR]

See benchmarks/README.md for what each section measures and what limits it.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from benchmarks import artifacts, ci, database, local_up, runtime, startup
from benchmarks.common import TEMPLATE_DIR, Section, log, machine

SECTIONS = ("ci", "startup", "artifacts", "runtime", "local", "database")
DOCS = TEMPLATE_DIR / "benchmarks" / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def update_docs(text: str) -> None:
    """Replace the results between the markers in benchmarks/README.md. Sections this
    workdir has not measured keep their earlier text, under that run's description."""
    page = DOCS.read_text()
    if START not in page or END not in page:
        raise SystemExit(f"{DOCS} lacks the {START} / {END} markers; not updated")
    before, rest = page.split(START, 1)
    old, after = rest.split(END, 1)
    DOCS.write_text(f"{before}{START}\n{merge_results(old, text).rstrip()}\n{END}{after}")


def _split_sections(block: str) -> tuple[str, dict[str, str]]:
    """(the text before the first section, section number to its text)."""
    head, *parts = block.split("\n### ")
    return head, {part.split(".", 1)[0]: "### " + part.rstrip() + "\n" for part in parts}


def merge_results(old: str, new: str) -> str:
    new_head, measured = _split_sections(new)
    old_head, earlier = _split_sections(old)
    kept = {number: text for number, text in earlier.items() if number not in measured}
    if not kept:
        return new
    lines = old_head.splitlines()
    # The earlier run's description: its own header, or what an earlier merge kept of it.
    description = next((line.split(EARLIER, 1)[1] for line in lines if EARLIER in line), None)
    if description is None:
        description = next((line for line in lines if line.startswith("Measured ")), "")
    note = f"Sections {', '.join(sorted(kept, key=_order))}{EARLIER}{description}"
    sections = {**kept, **measured}
    body = "\n".join(sections[number] for number in sorted(sections, key=_order))
    return f"{new_head.rstrip()}\n\n{note.strip()}\n\n{body}"


EARLIER = " are from an earlier run, not repeated in this one. "


def _order(number: str) -> int:
    return int(number.split("-")[0]) if number[:1].isdigit() else 99


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 and 5 services, fewer repeats, smaller loads")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, default=TEMPLATE_DIR / "build" / "bench",
                        help="generated repos, venvs and raw results (default: build/bench)")
    parser.add_argument("--results", type=Path, default=None,
                        help="the results file (markdown) to write (default: WORKDIR/results.md)")
    parser.add_argument("--no-docs", action="store_true",
                        help=f"do not copy the results into {DOCS.relative_to(TEMPLATE_DIR)}")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing; rewrite the results from the sections saved in WORKDIR")
    parser.add_argument("--clean", action="store_true", help="remove the generated repos and venvs afterwards")
    args = parser.parse_args(argv)

    only = [name.strip() for name in args.only.split(",") if name.strip()]
    if args.report_only:
        only = []
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {','.join(SECTIONS)}")
    workdir = args.workdir.resolve()
    raw = workdir / "results"
    sizes = [1, 5] if args.quick else [1, 5, 20]
    repeats, heavy = (2, 1) if args.quick else (3, 2)
    jobs = 300 if args.quick else 1000

    for name in only:
        log(f"section {name}")
        if name == "ci":
            section = ci.run(workdir, sizes, repeats, heavy)
        elif name == "startup":
            section = startup.run(workdir, repeats=3 if args.quick else 5)
        elif name == "artifacts":
            section = artifacts.run(workdir, max(sizes), repeats=3 if args.quick else 5)
        elif name == "local":
            section = local_up.run(workdir, repeats=2 if args.quick else 3)
        elif name == "database":
            section = database.run(workdir, jobs=20 if args.quick else 50)
        else:
            section = runtime.run(workdir, sizes[0], requests=jobs)
        section.save(raw)
        print(section.text(), flush=True)

    # The results file has every section measured so far in this workdir (run sections
    # separately and the file still shows all of them).
    sections = [Section.load(raw / f"{name}.json") for name in SECTIONS if (raw / f"{name}.json").exists()]
    description = machine()
    (raw / "machine.json").write_text(json.dumps(description, indent=1))
    mode = "quick (1 and 5 services)" if args.quick else "full (1, 5 and 20 services)"
    text = render(sections, description, mode)
    results = args.results or workdir / "results.md"
    results.write_text(text)
    print(f"\nResults written to {results}")
    if not args.no_docs:
        update_docs(text)
        print(f"and into {DOCS}")
    if args.clean:
        shutil.rmtree(workdir / "repos", ignore_errors=True)
    return 0


def render(sections: list[Section], description: dict[str, str], mode: str) -> str:
    lines = [
        "## Results",
        "",
        f"Measured {description['date']}, mode {mode}, on: {description['nproc']} CPUs ({description['cpu']}), "
        f"{description['memory']} memory, {description['python']}, {description['os']}; load average at the end "
        f"{description['load_average']}. Other agents were using the machine at the same time: treat the "
        "numbers as one noisy sample, compare the ratios (measured side by side in the same run) rather than "
        "the absolute seconds.",
        "",
    ]
    return "\n".join(lines) + "\n".join(section.markdown() for section in sections)


if __name__ == "__main__":
    sys.exit(main())
