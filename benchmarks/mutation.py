"""Mutation testing of the cost model, the evaluator and the tracer (issue 18), with cosmic-ray.

Not a test. For one area (a package of macslint), in a separate git worktree of HEAD (never in
this checkout: a mutant is written to disk while its tests run):

1. `cosmic-ray init` lists every mutant of the package (all of cosmic-ray's core operators);
2. a seeded uniform sample of them is drawn (`random.Random(seed).sample` over the mutants
   sorted by file, operator and occurrence, so the same commit, cosmic-ray version and seed
   give the same sample) and written to the area's cosmic-ray session;
3. each sampled mutant is applied by cosmic-ray and the area's test command (below: torch as
   the oracle, stopping at the first failure) is run against it, with a timeout of three times
   the clean run plus 10 s (a timeout counts as killed, reported apart);
4. `report` prints the score and every survivor (file:line, operator, the line before and
   after), as the rows of tests/mutation_survivors.md.

    pip install cosmic-ray==8.7.0
    python benchmarks/mutation.py run costmodel [--sample 300] [--seed 18] [--workdir DIR]
    python benchmarks/mutation.py report costmodel [--workdir DIR] [--markdown]
    python benchmarks/mutation.py recheck costmodel --copy tests/costmodel/test_mutation_kills.py
        [--pytest-args "-k 'not X'"]  (tests of a fix made after the sampled commit)

`run` is resumable (a mutant with a result is not run again) and can stop at a deadline
(`--minutes N`: no mutant is started after N minutes). The session (DIR/.mutation/AREA.sqlite)
is an ordinary cosmic-ray session: `cr-report DIR/.mutation/AREA.sqlite --show-output` or
`cr-html` read it too. DIR defaults to ../<this checkout's name>-mutation; it is created with
`git worktree add --detach DIR HEAD` and reset to the code of its own commit before a run.
The process lowers its own priority (`--nice`, 10 by default) and runs one mutant at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent

# area -> (package mutated, pytest arguments). The tests are the ones that exercise the
# package with torch as the oracle; -x stops at the first failure, so a killed mutant is
# cheap and a survivor costs one clean run (costmodel ~27 s, evaluator ~19 s, torchnn ~15 s
# on 2 shared cores).
PYTEST = ["-m", "pytest", "-x", "-q", "--tb=line", "-p", "no:cacheprovider"]
AREAS: Dict[str, Tuple[str, List[str]]] = {
    # The catalogue and tensor-op oracles in full, the differential suite's quick profile
    # (the first parametrization of each property test, with its full example count).
    "costmodel": ("macslint/costmodel",
                  ["-m", "not (slow and property)", "tests/costmodel"]),
    "evaluator": ("macslint/evaluator",
                  ["-m", "not slow", "tests/evaluator", "tests/results", "tests/torchnn"]),
    "torchnn": ("macslint/torchnn",
                ["-m", "not slow", "tests/torchnn", "tests/integration/test_models_torch.py",
                 "tests/config/test_tracer_model_settings.py"]),
}
DEFAULT_SEED = 18  # the number
DEFAULT_SAMPLE = 300


def test_command(area: str) -> str:
    return shlex.join([sys.executable, *PYTEST, *AREAS[area][1]])


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def prepare_workdir(workdir: Path) -> str:
    """The worktree at its own commit with no changes to tracked files; its commit."""
    if workdir.resolve() == REPO:
        sys.exit("refusing to mutate this checkout: give a --workdir outside it")
    if not workdir.exists():
        git("worktree", "add", "--detach", str(workdir), "HEAD", cwd=REPO)
    if Path(git("rev-parse", "--show-toplevel", cwd=workdir)).resolve() != workdir.resolve():
        sys.exit(f"{workdir} is not the top of a git worktree")
    if git("status", "--porcelain", "--untracked-files=no", cwd=workdir):
        # A run stopped while a mutant was on disk: put the code back (only in the worktree).
        print(f"{workdir}: restoring tracked files changed by an interrupted run")
        git("checkout", "--", ".", cwd=workdir)
    commit = git("rev-parse", "HEAD", cwd=workdir)
    if commit != git("rev-parse", "HEAD", cwd=REPO):
        print(f"note: {workdir} is at {commit[:10]}, this checkout at another commit "
              f"(git -C {workdir} checkout --detach <commit> to move it)")
    return commit


def paths(workdir: Path, area: str) -> Tuple[Path, Path, Path, Path]:
    base = workdir / ".mutation"
    base.mkdir(exist_ok=True)
    return (base / f"{area}.toml", base / f"{area}-all.sqlite", base / f"{area}.sqlite",
            base / f"{area}.json")


def clean_run(workdir: Path, area: str) -> float:
    start = time.monotonic()
    done = subprocess.run(shlex.split(test_command(area)), cwd=workdir, capture_output=True,
                          text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"the clean run fails, fix it first:\n{done.stdout[-3000:]}")
    return seconds


def key(item) -> Tuple[str, str, int]:
    m = item.mutations[0]
    return (str(m.module_path), m.operator_name, m.occurrence)


def cmd_run(args: argparse.Namespace) -> None:
    from cosmic_ray.work_db import WorkDB, use_db

    if args.nice:
        os.nice(args.nice)
    workdir = Path(args.workdir)
    commit = prepare_workdir(workdir)
    os.chdir(workdir)  # cosmic-ray mutates module paths relative to the working directory
    config, population_db, session_db, meta_file = paths(workdir, args.area)
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else None
    if meta and (meta["seed"], meta["sample"], meta["commit"]) != (args.seed, args.sample, commit):
        sys.exit(f"{session_db} holds another sample ({meta['seed']=}, {meta['sample']=}, "
                 f"{meta['commit'][:10]}): remove {workdir / '.mutation'}/{args.area}.* first")
    if meta is None:
        print(f"clean run of {args.area}: {test_command(args.area)}")
        seconds = clean_run(workdir, args.area)
        timeout = round(3 * seconds + 10)
        print(f"  passed in {seconds:.1f} s; timeout per mutant {timeout} s")
        config.write_text(
            "[cosmic-ray]\n"
            f"module-path = {json.dumps(AREAS[args.area][0])}\n"
            f"timeout = {timeout}.0\n"
            "excluded-modules = []\n"
            f"test-command = {json.dumps(test_command(args.area))}\n\n"
            "[cosmic-ray.distributor]\nname = \"local\"\n")
        if population_db.exists():
            population_db.unlink()
        subprocess.run(["cosmic-ray", "init", str(config), str(population_db)], check=True)
        with use_db(str(population_db), WorkDB.Mode.open) as db:
            population = sorted(db.work_items, key=key)
        sample = random.Random(args.seed).sample(population, min(args.sample, len(population)))
        if session_db.exists():
            session_db.unlink()
        with use_db(str(session_db)) as db:
            db.add_work_items(sample)
        meta = {"area": args.area, "seed": args.seed, "sample": args.sample, "commit": commit,
                "population": len(population), "clean_run_s": round(seconds, 1),
                "timeout_s": timeout, "test_command": test_command(args.area),
                "order": [item.job_id for item in sample]}
        meta_file.write_text(json.dumps(meta, indent=1))
        print(f"  {len(population)} mutants; sample of {len(sample)} drawn with seed {args.seed}")
    run_sample(session_db, meta, args.minutes)


def run_sample(session_db: Path, meta: dict, minutes: float) -> None:
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db

    start = time.monotonic()
    with use_db(str(session_db), WorkDB.Mode.open) as db:
        items = {item.job_id: item for item in db.work_items}
        done = {job for job, _ in db.results}
        pending = [items[job] for job in meta["order"] if job not in done]
        print(f"{len(done)} done, {len(pending)} to run")
        for n, item in enumerate(pending, 1):
            if minutes and time.monotonic() - start > minutes * 60:
                print(f"deadline of {minutes} min reached; run again to resume")
                break
            t0 = time.monotonic()
            result = mutate_and_test(item.mutations, meta["test_command"], meta["timeout_s"])
            db.set_result(item.job_id, result)
            m = item.mutations[0]
            print(f"[{len(done) + n}/{len(items)}] {outcome(result):9} "
                  f"{time.monotonic() - t0:5.1f} s {m.module_path}:{m.start_pos[0]} "
                  f"{m.operator_name.split('/')[-1]}",
                  flush=True)


def outcome(result) -> str:
    if result.worker_outcome.value == "no-test":
        return "no-test"
    if result.worker_outcome.value != "normal":
        return "error"
    if result.test_outcome.value == "killed":
        return "timeout" if result.output == "timeout" else "killed"
    return result.test_outcome.value  # survived, incompetent


def change(diff: str) -> str:
    lines = diff.splitlines()
    old = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
    new = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
    return f"`{' '.join(old)}` -> `{' '.join(new)}`".replace("|", "\\|")  # a table cell


def equivalents(area: str) -> set:
    """Survivors judged equivalent in tests/mutation_survivors.md (id and operator columns)."""
    path = REPO / "tests" / "mutation_survivors.md"
    if not path.exists():
        return set()
    found = set()
    for line in path.read_text().splitlines():
        # cells split at the pipes that are not escaped (`\|` inside a quoted mutation)
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) >= 5 and cells[0] == area and cells[-1].lower().startswith("equivalent"):
            found.add(f"{cells[1].strip('`')} {cells[2]}")
    return found


def cmd_report(args: argparse.Namespace) -> None:
    from cosmic_ray.work_db import WorkDB, use_db

    _, _, session_db, meta_file = paths(Path(args.workdir), args.area)
    meta = json.loads(meta_file.read_text())
    with use_db(str(session_db), WorkDB.Mode.open) as db:
        completed = db.completed_work_items
    counts: Dict[str, int] = {}
    survivors = []
    for item, result in completed:
        kind = outcome(result)
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "survived":
            survivors.append((item.mutations[0], result))
    survivors.sort(key=lambda s: (str(s[0].module_path), s[0].start_pos, s[0].operator_name))
    equivalent = equivalents(args.area)
    ids = {mutant_key(m) for m, _ in survivors}
    n_equivalent = len(ids & equivalent)
    run = sum(counts.values()) - counts.get("no-test", 0)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    score = killed / (run - n_equivalent) if run > n_equivalent else 0.0
    print(f"{args.area}: commit {meta['commit'][:10]}, seed {meta['seed']}, sample "
          f"{meta['sample']} of {meta['population']} mutants, {len(completed)} run")
    print(f"  killed {counts.get('killed', 0)}, timed out {counts.get('timeout', 0)}, survived "
          f"{counts.get('survived', 0)} ({n_equivalent} judged equivalent), other "
          f"{ {k: v for k, v in counts.items() if k not in ('killed', 'timeout', 'survived')} }")
    print(f"  score (killed + timed out) / (run - equivalent) = {killed}/{run - n_equivalent}"
          f" = {score:.1%}")
    recheck_file = session_db.parent / f"{args.area}-recheck.json"
    if recheck_file.exists():
        recheck = json.loads(recheck_file.read_text())
        later = {k for k, v in recheck["outcomes"].items() if v in ("killed", "timeout")}
        print(f"  recheck with {', '.join(recheck['copied']) or 'the same tests'}: {len(later)} "
              f"more killed, score {killed + len(later)}/{run - n_equivalent} = "
              f"{(killed + len(later)) / max(1, run - n_equivalent):.1%}")
        survivors = [(m, r) for m, r in survivors if mutant_key(m) not in later]
    for m, result in survivors:
        cells = [args.area, f"`{mutant_id(m)}`", m.operator_name.split("/")[-1],
                 change(result.diff or "")]
        print(f"| {' | '.join(cells)} | |" if args.markdown else "  ".join(cells))


def cmd_recheck(args: argparse.Namespace) -> None:
    """Run the survivors again, with test files of this checkout (new ones that kill them)
    copied into the worktree; the session keeps the first measurement, the outcome goes to
    DIR/.mutation/AREA-recheck.json (report shows both scores)."""
    import shutil

    if args.nice:
        os.nice(args.nice)
    workdir = Path(args.workdir)
    prepare_workdir(workdir)
    for name in args.copy:
        shutil.copyfile(REPO / name, workdir / name)
    os.chdir(workdir)
    try:
        recheck_survivors(workdir, args.area, args.copy, shlex.split(args.pytest_args),
                          args.resume)
    finally:  # the copied files would otherwise differ from the worktree's commit
        git("checkout", "--", ".", cwd=workdir)
        for name in args.copy:
            if not git("ls-files", name, cwd=workdir):
                (workdir / name).unlink()


def recheck_survivors(workdir: Path, area: str, copied: List[str],
                      extra: Sequence[str] = (), resume: bool = False) -> None:
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db

    _, _, session_db, meta_file = paths(workdir, area)
    meta = json.loads(meta_file.read_text())
    with use_db(str(session_db), WorkDB.Mode.open) as db:
        survivors = [item for item, result in db.completed_work_items
                     if outcome(result) == "survived"]
    # The survivors passed the area's tests already: only the copied files can kill them.
    command = shlex.join([sys.executable, *PYTEST, *extra, *copied]) if copied \
        else meta["test_command"]
    clean = subprocess.run(shlex.split(command), capture_output=True, text=True)
    if clean.returncode != 0:
        sys.exit(f"the tests fail on the unmutated code:\n{clean.stdout[-3000:]}")
    # Outcomes of an earlier recheck with the same files are kept (a recheck may be resumed,
    # or run on a copy of the session while the run goes on; see --resume).
    out = workdir / ".mutation" / f"{area}-recheck.json"
    earlier = json.loads(out.read_text()) if resume and out.exists() else {}
    # (only kills are kept: the files may have gained tests since, which may kill the rest)
    rechecked = {k: v for k, v in earlier.get("outcomes", {}).items()
                 if v in ("killed", "timeout")} if earlier.get("copied") == copied else {}
    for item in sorted(survivors, key=key):
        if mutant_key(item.mutations[0]) in rechecked:
            continue
        result = mutate_and_test(item.mutations, command, meta["timeout_s"])
        rechecked[mutant_key(item.mutations[0])] = outcome(result)
        print(f"{outcome(result):9} {mutant_key(item.mutations[0])}", flush=True)
        out.write_text(json.dumps({"copied": copied, "outcomes": rechecked}, indent=1))
    out.write_text(json.dumps({"copied": copied, "outcomes": rechecked}, indent=1))


def mutant_key(m) -> str:
    """Two operators can mutate the same position: file:line:col and the operator."""
    return f"{mutant_id(m)} {m.operator_name.split('/')[-1]}"


def mutant_id(m) -> str:
    return f"{m.module_path}:{m.start_pos[0]}:{m.start_pos[1]}"


def main(argv: Sequence[str] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    default_workdir = str(REPO.parent / f"{REPO.name}-mutation")
    run = sub.add_parser("run", help="draw the sample (first time) and run its mutants")
    run.add_argument("area", choices=AREAS)
    run.add_argument("--sample", type=int, default=DEFAULT_SAMPLE)
    run.add_argument("--seed", type=int, default=DEFAULT_SEED)
    run.add_argument("--workdir", default=default_workdir)
    run.add_argument("--minutes", type=float, default=0, help="start no mutant after this")
    run.add_argument("--nice", type=int, default=10)
    run.set_defaults(func=cmd_run)
    report = sub.add_parser("report", help="score and survivors of a session")
    report.add_argument("area", choices=AREAS)
    report.add_argument("--workdir", default=default_workdir)
    report.add_argument("--markdown", action="store_true")
    report.set_defaults(func=cmd_report)
    recheck = sub.add_parser("recheck", help="run the survivors again with new test files")
    recheck.add_argument("area", choices=AREAS)
    recheck.add_argument("--workdir", default=default_workdir)
    recheck.add_argument("--copy", nargs="*", default=[],
                         help="test files of this checkout to copy into the worktree first")
    recheck.add_argument("--nice", type=int, default=10)
    recheck.add_argument("--resume", action="store_true",
                         help="keep the outcomes of an earlier recheck with the same files")
    recheck.add_argument("--pytest-args", default="",
                         help="more pytest arguments, e.g. -k 'not X' for tests of a fix made "
                              "after the sampled commit")
    recheck.set_defaults(func=cmd_recheck)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
