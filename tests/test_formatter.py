"""`./pants fmt` formats Python with the repository's style, and `./pants lint` enforces it."""

from pathlib import Path

from tests.rendering import copy_project, pants

# Ruff's (non-preview) rules accept this; only a formatter objects to it.
UNFORMATTED = """def  total( values ):
    return sum( values )



LIMITS = { 'low':1,
  'high':2 }
# 103 characters: black's default (88) would split it, the repository's 120 keeps it.
RESULT = dict(first_value=1, second_value=2, third_value=3, fourth_value=4, fifth_value=5, sixth_value=6)
"""
FORMATTED = """def total(values):
    return sum(values)


LIMITS = {"low": 1, "high": 2}
# 103 characters: black's default (88) would split it, the repository's 120 keeps it.
RESULT = dict(first_value=1, second_value=2, third_value=3, fourth_value=4, fifth_value=5, sixth_value=6)
"""


def test_fmt_formats_what_lint_rejects(project: Path, tmp_path: Path) -> None:
    repo = copy_project(project, tmp_path / "repo")
    source = repo / "tools/delivery/unformatted.py"  # owned by tools/delivery's python_sources()
    source.write_text(UNFORMATTED)
    target = str(source.relative_to(repo))

    before = pants(repo, "lint", target, check=False)
    assert before.returncode != 0 and "black failed" in before.stderr, before.stderr
    assert "ruff succeeded" in before.stderr, before.stderr

    pants(repo, "fmt", target)
    assert source.read_text() == FORMATTED
    pants(repo, "lint", target)
