"""day97 sample submissions: the solution with a function cell replaced and, for speed, the training cell cut to
one epoch on 6,000 images (see ``planted``). Named by the mistake; tests/test_day97.py says how each is named.

``SAMPLES`` is empty on purpose: every day97 sample also edits the training cell, which ``samples.plant`` cannot.
"""
from __future__ import annotations

from pathlib import Path

SAMPLES: dict[str, dict[str, str]] = {}

FULL_FIT = "history = model.fit(train_images, train_labels, epochs=EPOCHS,"
QUICK_FIT = "history = model.fit(train_images[:6000], train_labels[:6000], epochs=1,"

_CONVNET = '''
def build_convnet():
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    {extra}
    outputs = layers.Dense({units}, activation="{activation}")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="{loss}", metrics=["accuracy"])
    return model
'''


def convnet(*, extra="", units="NUM_CLASSES", activation="softmax", loss="sparse_categorical_crossentropy"):
    return _CONVNET.format(extra=extra, units=units, activation=activation, loss=loss)


# name -> (function cells replaced, (old, new) text replacements in the training cell)
DAY97 = {
    "quick_training": ({}, ()),
    "pixels_unscaled": ({"scale_images": '''
def scale_images(images):
    return images.astype("float32")[..., np.newaxis]   # pixels left in 0..255
'''}, ()),
    "test_set_as_validation": ({}, (("validation_split=VALIDATION_SPLIT", "validation_data=(test_images, test_labels)"),)),
    "lambda_layer": ({"build_convnet": convnet(extra="x = layers.Lambda(lambda t: t * 1.0)(x)")}, ()),
    "one_hot_loss_integer_labels": ({"build_convnet": convnet(loss="categorical_crossentropy")}, ()),
    "sigmoid_binary_loss": ({"build_convnet": convnet(activation="sigmoid", loss="binary_crossentropy")}, ()),
}


def planted(folder: Path, name: str) -> Path:
    from samples import notebook_with, write  # samples imports this module to collect SAMPLES

    functions, replacements = DAY97[name]
    nb = notebook_with("day97", functions=functions)
    for cell in nb.cells:
        if FULL_FIT in cell.source:
            cell.source = cell.source.replace(FULL_FIT, QUICK_FIT)
            for old, new in replacements:
                assert old in cell.source, old
                cell.source = cell.source.replace(old, new)
    return write(folder, name, "day97", nb)
