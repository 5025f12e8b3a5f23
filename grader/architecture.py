"""The diagnosis of a learner's Keras model (day96 ``build_model``), shared by the public and the hidden checks.

A model is judged against a *spec*, plain data generated into the public checks' tables from
``grader/hidden/diagnosis_day96.py``::

    {"kwargs": {"pooling": True}, "input_shape": (None, 28, 28, 1), "pooling": True,
     "layers": [(class name, {config field: value}, output shape, parameters), ...]}

The rule is one chain of stages, always in this order: the input shape, the layer classes (average pooling, no
Flatten, no pooling, the pooling flag ignored, other layers), the last layer, each layer's configuration, the
output shapes, the parameter counts, the total. A check judges up to its own stage, so the first wrong stage names
the mistake in every check. The model is looked at only through Keras's public API (``model.layers``,
``type(layer).__name__``, ``get_config()``, ``layer.output.shape``, ``count_params()``); an activation written as
a layer of its own after a layer without one counts as that layer's activation (:func:`layers_of`).
"""
from __future__ import annotations

from grader import messages
from grader.answers import remembered
from grader.checks import expect_keras_model, expect_number, fail
from grader.learner import LearnerRaised

STAGES = ("input", "classes", "last", "config", "shapes", "params", "count")
KNOWN_INPUTS = {(None, 1, 28, 28): "model_channels_first_input", (None, 28, 28, 3): "model_three_channels_input"}


def _raised_text(error: LearnerRaised, function: str) -> str:
    """What the learner's function raised, "ValueError: ...", without the sentence around it."""
    prefix = messages.CATALOG["learner_raised"][0].split("{ename}")[0].format(function=function)
    return error.text.en.removeprefix(prefix).strip().rstrip(".")[:300]


def learner_model(learner, spec: dict):
    """(the learner's model for ``spec``'s arguments, its description); the input stage: a named failure if wrong.

    The model is asked for once per grading and arguments (:mod:`grader.answers`): every check of it looks at the
    same loaded model, only through Keras's public API."""
    kwargs = spec["kwargs"]
    what = "build_model(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    try:
        model = remembered(learner).call("build_model", **kwargs)
    except LearnerRaised as error:
        if "negative" not in error.text.en.lower():
            raise
        raise LearnerRaised(messages.text("model_channels_first_raised", what=what,
                                          error=_raised_text(error, "build_model")),
                            traceback=error.traceback) from None
    expect_keras_model(model, what=what, expected="a keras.Model (keras.Sequential)")
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        fail("model_not_built", what=what)
    if len(model.inputs) != 1 or len(model.outputs) != 1:   # a second output (a conv's activations) is not judged
        fail("model_not_one_output", what=what, inputs=len(model.inputs), outputs=len(model.outputs))
    want = tuple(spec["input_shape"])
    if shape in KNOWN_INPUTS:
        fail(KNOWN_INPUTS[shape], what=what, expected=want, got=shape)
    if shape != want:
        fail("wrong_shape", what=f"{what}.inputs[0].shape", expected=want, got=shape)
    return model, what


def layers_of(model) -> list:
    """The model's layers as the spec lists them: no InputLayer, and a layer without an activation followed by an
    activation layer (``Conv2D(32, (3, 3))`` then ``Activation("relu")`` or ``ReLU()``; ``Dense(10)`` then
    ``Softmax()``) seen as the one layer it computes the same as (:class:`Activated`): only where the activation
    layer takes that layer's output and its own output goes on to the next layer (or is the model's only output),
    so an activation on a side branch is never taken for part of the chain."""
    listed = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    chain = type(model).__name__ == "Sequential"   # each layer takes the one before it: nothing to look at
    found = []
    for index, layer in enumerate(listed):
        activation = _activation_of(layer)
        after = listed[index + 1] if index + 1 < len(listed) else None
        if activation and found and not isinstance(found[-1], Activated) and \
                found[-1].get_config().get("activation") == "linear" and \
                (chain or _feeds(found[-1], layer) and
                 (_feeds(layer, after) if after is not None else _only_output(model, layer))):
            found[-1] = Activated(found[-1], layer, activation)
        else:
            found.append(layer)
    return found


def _feeds(layer, then) -> bool:
    """Whether ``then``'s one input is ``layer``'s output (Keras's symbolic tensors, compared by identity), in a
    functional model (a Sequential one built by ``add`` rebuilds its graph at each layer, so there a layer's
    first input need not be the tensor its neighbour's first output was)."""
    try:
        return then.input is layer.output
    except (AttributeError, ValueError, IndexError, TypeError):   # no input yet, or several
        return False


def _only_output(model, layer) -> bool:
    try:
        return len(model.outputs) == 1 and model.outputs[0] is layer.output
    except (AttributeError, ValueError, IndexError, TypeError):
        return False


def class_name(layer) -> str:
    """The Keras class of a layer of :func:`layers_of`: ``Conv2D`` for a Conv2D with its activation layer."""
    return type(layer.layer if isinstance(layer, Activated) else layer).__name__


class Activated:
    """A layer without an activation and the activation layer right after it, seen as one layer: the same outputs
    and parameters as the layer given that activation (the course's Keras.js slide draws the MNIST convnet's
    ReLU as a layer of its own). ``get_config()``, ``output`` and ``count_params()`` as a Keras layer's."""

    def __init__(self, layer, activation_layer, activation: str):
        self.layer, self.activation_layer, self.activation = layer, activation_layer, activation

    def get_config(self) -> dict:
        return {**self.layer.get_config(), "activation": self.activation}

    @property
    def output(self):
        return self.activation_layer.output

    def count_params(self) -> int:
        return self.layer.count_params() + self.activation_layer.count_params()


def _activation_of(layer) -> str | None:
    """The activation an activation layer applies, as a layer's ``activation`` config names it; None for any other
    layer, and for a ReLU with a cap, a slope or a threshold, or a softmax over another axis than the last (-1,
    or the last counted from the front)."""
    name, config = type(layer).__name__, layer.get_config()
    if name == "Activation" and isinstance(config.get("activation"), str):
        return config["activation"]
    if name == "ReLU" and config.get("max_value") is None and not config.get("negative_slope") and \
            not config.get("threshold"):
        return "relu"
    if name == "Softmax" and config.get("axis", -1) in (-1, [-1], *_last_axis(layer)):
        return "softmax"
    return None


def _last_axis(layer) -> tuple:
    """The last axis of the layer's input counted from the front (1 for a (None, 10) input: Softmax(axis=1) there
    is the same softmax), as an int and a list; () when the input is not one tensor."""
    try:
        last = len(layer.input.shape) - 1
    except (AttributeError, ValueError, IndexError, TypeError):
        return ()
    return (last, [last])


def _plain(value):
    return tuple(value) if isinstance(value, list) else value


def _classes(layers: list, spec: dict, what: str) -> None:
    names = [class_name(layer) for layer in layers]
    want = [name for name, *_ in spec["layers"]]
    if names == want:
        return
    if spec["pooling"] and "AveragePooling2D" in names and "MaxPooling2D" not in names:
        fail("model_average_pooling", what=what)
    if "Flatten" not in names:
        fail("model_flatten_missing", what=what)
    if spec["pooling"] and "MaxPooling2D" not in names:
        fail("model_pooling_missing", what=what)
    if not spec["pooling"] and "MaxPooling2D" in names:
        fail("model_pooling_flag_ignored", what=what)
    fail("model_wrong_layers", what=what, expected=want, got=names)


def _last(layers: list, spec: dict, what: str) -> None:
    name, config, _, _ = spec["layers"][-1]
    if class_name(layers[-1]) != name:
        fail("model_last_layer_not_dense", got=class_name(layers[-1]))
    got = layers[-1].get_config()
    if got.get("units") != config["units"]:
        fail("model_last_layer_units", got=got.get("units"))
    if got.get("activation") != config["activation"]:
        fail("model_last_layer_activation", got=got.get("activation"))


def _config(layers: list, spec: dict, what: str) -> None:
    for index, (layer, (name, config, _, _)) in enumerate(zip(layers, spec["layers"]), start=1):
        got_config = layer.get_config()
        for field, want in config.items():
            got = _plain(got_config.get(field))
            if got != _plain(want):
                fail("model_layer_config", what=what, index=index, layer=name, field=field, expected=want, got=got)


def _shapes(layers: list, spec: dict, what: str) -> None:
    for index, (layer, (name, _, shape, _)) in enumerate(zip(layers, spec["layers"]), start=1):
        got = tuple(layer.output.shape)
        if got != tuple(shape):
            fail("model_layer_shape", what=what, index=index, layer=name, expected=tuple(shape), got=got)


def _params(layers: list, spec: dict, what: str) -> None:
    for index, (layer, (name, _, _, want)) in enumerate(zip(layers, spec["layers"]), start=1):
        if layer.count_params() != want:
            fail("model_layer_params", what=what, index=index, layer=name, expected=want, got=layer.count_params())


def expect_model(learner, spec: dict, *, upto: str) -> None:
    """Judge the learner's model for ``spec`` through every stage up to ``upto``; the first wrong stage fails."""
    model, what = learner_model(learner, spec)
    layers = layers_of(model)
    stages = {"classes": _classes, "last": _last, "config": _config, "shapes": _shapes, "params": _params}
    for stage in STAGES[1:STAGES.index(upto) + 1]:
        if stage == "count":
            total = sum(params for *_, params in spec["layers"])
            expect_number(model.count_params(), total, what=f"{what}.count_params()", kind=int)
        else:
            stages[stage](layers, spec, what)
