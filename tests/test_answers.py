"""grader.answers: a learner's function is asked once per distinct input in a grading, and every later check gets
what that call gave (value, arguments after, or problem); timeouts are asked again; learners never share."""
import numpy as np
import pytest

from grader.answers import call_key, remembered
from grader.learner import Call, LearnerRaised, LearnerTimedOut, NotAttempted
from grader.results import Text


class Counting:
    """A learner whose functions are Python callables; counts the calls that reach it."""

    def __init__(self, **functions):
        self.functions = functions
        self.calls = []
        self.cells = ("cell one",)

    def run(self, name, *args, timeout=None, **kwargs):
        self.calls.append(name)
        copies = [np.array(a) if isinstance(a, np.ndarray) else a for a in args]
        return Call(value=self.functions[name](*copies, **kwargs), args_after=tuple(copies))

    def call(self, name, *args, timeout=None, **kwargs):
        return self.run(name, *args, timeout=timeout, **kwargs).value


def problem(kind):
    def raise_it(*args, **kwargs):
        raise kind(Text(en="it raised", zh_tw="它出錯了"))
    return raise_it


def test_equal_calls_reach_the_learner_once_and_give_the_same_answer():
    learner = Counting(double=lambda x, scale=2: x * scale)
    a, b = remembered(learner), remembered(learner)   # the public and the hidden checks' wrappers
    x = np.arange(6.0).reshape(2, 3)
    first = a.call("double", x, scale=3)
    again = b.call("double", x.copy(), scale=3)
    assert np.array_equal(first, again) and np.array_equal(first, x * 3)
    assert learner.calls == ["double"]


def test_calls_that_differ_in_values_dtype_shape_type_or_keywords_are_asked_each():
    learner = Counting(f=lambda *args, **kwargs: 1)
    ask = remembered(learner).call
    x = np.arange(4.0)
    ask("f", x)
    ask("f", x + 1)                      # other values
    ask("f", x.astype(np.float32))       # other dtype
    ask("f", x.reshape(2, 2))            # other shape
    ask("f", 1)
    ask("f", 1.0)                        # 1 and 1.0 and True reach the kernel differently
    ask("f", True)
    ask("f", x, pad=1)
    ask("f", x, pad=2)
    assert len(learner.calls) == 9
    ask("f", x, pad=2)
    assert len(learner.calls) == 9


@pytest.mark.parametrize("mode", ["brief", "weights"])
def test_an_answer_asked_for_in_another_mode_is_asked_again(mode):
    """Without a traceback (expecting_errors) or without a model's weights (without_weights), an answer differs
    from the full one: neither is handed to a check that asked for the other."""
    learner = Counting(f=lambda: 1)
    learner.brief, learner.weights = False, True
    ask = remembered(learner).call
    ask("f")
    setattr(learner, mode, not getattr(learner, mode))
    ask("f")
    ask("f")
    assert learner.calls == ["f", "f"]


def test_a_remembered_array_is_handed_out_as_a_copy():
    learner = Counting(zeros=lambda n: np.zeros(n))
    ask = remembered(learner).call
    got = ask("zeros", 3)
    got[0] = 99.0                        # a check that changes what it got
    assert ask("zeros", 3).tolist() == [0.0, 0.0, 0.0]
    assert learner.calls == ["zeros"]


def test_the_arguments_after_the_call_are_remembered_too():
    def in_place(x):
        x += 1
        return x
    learner = Counting(in_place=in_place)
    x = np.zeros(2)
    first, second = (remembered(learner).run("in_place", x) for _ in range(2))
    assert first.args_after[0].tolist() == second.args_after[0].tolist() == [1.0, 1.0]
    assert learner.calls == ["in_place"]


@pytest.mark.parametrize("kind", [LearnerRaised, NotAttempted])
def test_a_problem_is_remembered_and_raised_again(kind):
    learner = Counting(broken=problem(kind))
    ask = remembered(learner).call
    for _ in range(3):
        with pytest.raises(kind) as raised:
            ask("broken", 1)
        assert raised.value.text.en == "it raised"
    assert learner.calls == ["broken"]


def test_a_timeout_is_asked_again():
    learner = Counting(slow=problem(LearnerTimedOut))
    for _ in range(2):
        with pytest.raises(LearnerTimedOut):
            remembered(learner).call("slow")
    assert learner.calls == ["slow", "slow"]


def test_two_learners_never_share_answers():
    one, other = Counting(name=lambda: "one"), Counting(name=lambda: "other")
    assert remembered(one).call("name") == "one"
    assert remembered(other).call("name") == "other"
    assert one.calls == other.calls == ["name"]


def test_arguments_that_cannot_be_keyed_are_asked_every_time():
    learner = Counting(f=lambda thing: 1)
    assert call_key("f", (object(),), {}, None) is None
    for _ in range(2):
        remembered(learner).call("f", object())
    assert learner.calls == ["f", "f"]


def test_every_other_attribute_is_the_learners():
    assert remembered(Counting()).cells == ("cell one",)

