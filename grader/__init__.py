"""A grader for the CNN exercises of a 100-day machine-learning course (day93-day98).

Learners use :func:`check` and :func:`hint` inside their notebook; everything else is ``grader`` on the command line
and the pytest plugin.
"""
from grader.exercise import EXERCISES

__all__ = ["EXERCISES", "check", "hint"]


def check(name: str | None = None, *, lang: str | None = None) -> None:
    """Run the public checks of one of your functions, e.g. ``check("feature_map")`` (or of the whole day with
    ``check()``), and print the feedback."""
    from grader.practice import check as run

    run(name, lang=lang)


def hint(name: str, *, lang: str | None = None) -> None:
    """Print the next hint for one of your functions, e.g. ``hint("feature_map")``."""
    from grader.practice import hint as give

    give(name, lang=lang)
