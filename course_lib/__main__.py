"""The course's command line: ``python -m course_lib <command>``.

    python -m course_lib work        # make or update your own copies of the lessons in work/
    python -m course_lib progress    # the exercises you passed in those copies
    python -m course_lib doctor      # check this installation, say what to fix
    python -m course_lib cleanup     # remove what live-AWS cells left on your AWS account

The same commands work with pip, conda, JupyterHub and Binder: they need only the course
installed and the course folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _work(args: argparse.Namespace) -> int:
    from course_lib.copies import make_work, reference_notebooks

    references = reference_notebooks(args.source) if args.source else None
    for outcome in make_work(args.dest, references):
        print(outcome)
    start = (args.dest or Path("work")) / "00_start_here.ipynb"
    print(f"Your copies are in {start.parent}/; start with {start}.")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from course_lib.exercises.progress import progress, progress_file

    print(progress())
    print(f"(from {progress_file()})")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from course_lib.diagnostics import diagnose, doctor

    doctor()
    return 0 if all(check.ok for check in diagnose()) else 1


def _cleanup(args: argparse.Namespace) -> int:
    from course_lib import aws

    aws.cleanup(args.lesson, region=args.region)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_lib", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    work = commands.add_parser(
        "work",
        help="make or update your copies of the lessons in work/ (never overwrites your edits)",
    )
    work.add_argument("--dest", type=Path, help="where the copies go (default: work/)")
    work.add_argument("--source", type=Path, help="the reference notebooks (default: notebooks/)")
    work.set_defaults(run=_work)
    commands.add_parser("progress", help="the exercises you passed").set_defaults(run=_progress)
    commands.add_parser("doctor", help="check this installation").set_defaults(run=_doctor)
    cleanup = commands.add_parser(
        "cleanup", help="remove what live-AWS cells left on your account (by the course tag)"
    )
    cleanup.add_argument("lesson", nargs="?", help='only this lesson, e.g. "lesson05"')
    cleanup.add_argument("--region", help="the region to clean (default: your configured one)")
    cleanup.set_defaults(run=_cleanup)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except FileNotFoundError as error:  # no reference notebooks here: say where to run it
        print(f"python -m course_lib {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
