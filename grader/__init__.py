"""A grader for the CNN exercises of a 100-day machine-learning course (day93-day98).

Learners use :func:`check` inside their notebook; everything else is ``grader`` on the command line
and the pytest plugin.
"""
from grader.exercise import EXERCISES

__all__ = ["EXERCISES", "check"]


def check(name: str, *, lang: str | None = None) -> None:
    """Run the public checks of one of your functions, e.g. ``check("feature_map")``, and print the feedback."""
    from grader.practice import check as run

    run(name, lang=lang)
