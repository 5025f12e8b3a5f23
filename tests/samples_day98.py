"""day98 sample submissions: each replaces whole function cells of the solution notebook (see tests/samples.py).

Named by the mistake they make; tests/test_day98.py says which checks must name it, and how. The tests run
them in one live kernel of the solution (the function cells are redefined, then restored), so the notebook's
training runs once.
"""

_UNFREEZE = '''
def unfreeze_top_block(model, learning_rate={default}):
    conv_base = model.get_layer("vgg16")
    conv_base.trainable = True
{freeze}
{compile}
    return model
'''
_FREEZE_ALL_BUT_TOP = '''    for layer in conv_base.layers[:-4]:
        layer.trainable = False'''
_COMPILE = '''    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])'''


def _unfreeze(*, default="FINE_TUNE_LEARNING_RATE", freeze=_FREEZE_ALL_BUT_TOP, compile=_COMPILE):
    return _UNFREEZE.format(default=default, freeze=freeze, compile=compile)


def _end_to_end(*, augmentation=True, scaling="x = vgg16.preprocess_input(x)", base="build_conv_base"):
    """A build_end_to_end cell like the solution's, with one part changed."""
    augment = ('x = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)],'
               ' name="augmentation")(inputs)' if augmentation else "x = inputs")
    return f'''
def build_end_to_end(weights="imagenet"):
    conv_base = {base}(INPUT_SHAPE, weights=weights)
    inputs = keras.Input(shape=INPUT_SHAPE)
    {augment}
    {scaling}
    x = conv_base(x)
    outputs = build_head(conv_base.output.shape[1:])(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=HEAD_LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


SAMPLES = {
    # ---- the mistakes the issue names
    "base_not_frozen": {"build_conv_base": '''
def build_conv_base(input_shape=INPUT_SHAPE, weights="imagenet"):
    return vgg16.VGG16(weights=weights, include_top=False, input_shape=tuple(input_shape))
'''},
    "whole_base_unfrozen": {"unfreeze_top_block": _unfreeze(freeze="")},
    "no_recompile": {"unfreeze_top_block": _unfreeze(compile="")},
    "scaled_255": {"preprocess": '''
def preprocess(images):
    return np.array(images, dtype="float32") / 255
'''},
    "fine_tune_rate_1e-2": {"unfreeze_top_block": _unfreeze(default="1e-2")},
    "lambda_layer": {"build_end_to_end": _end_to_end(scaling="x = layers.Lambda(vgg16.preprocess_input)(x)")},
    # ---- more named mistakes
    "no_bgr_swap": {"preprocess": '''
def preprocess(images):
    return np.array(images, dtype="float32") - np.array([123.68, 116.779, 103.939], dtype="float32")  # R, G, B
'''},
    "preprocess_in_place": {"preprocess": '''
def preprocess(images):
    return vgg16.preprocess_input(images)
'''},
    "not_padded": {"prepare_images": '''
def prepare_images(images):
    return np.repeat(images[..., np.newaxis], 3, axis=-1).astype("float32")
'''},
    "one_channel": {"prepare_images": '''
def prepare_images(images):
    return np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., np.newaxis].astype("float32")
'''},
    "prepare_scaled_255": {"prepare_images": '''
def prepare_images(images):
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2))) / 255
    return np.repeat(padded[..., np.newaxis], 3, axis=-1).astype("float32")
'''},
    "resized_not_padded": {"prepare_images": '''
def prepare_images(images):
    resized = keras.ops.convert_to_numpy(keras.ops.image.resize(images[..., np.newaxis].astype("float32"), (32, 32)))
    return np.repeat(resized, 3, axis=-1).astype("float32")
'''},
    "weights_hard_coded_none": {"build_conv_base": '''
def build_conv_base(input_shape=INPUT_SHAPE, weights="imagenet"):
    conv_base = vgg16.VGG16(weights=None, include_top=False, input_shape=tuple(input_shape))
    conv_base.trainable = False
    return conv_base
'''},
    "head_categorical_loss": {"build_head": '''
def build_head(feature_shape=(1, 1, 512)):
    head = keras.Sequential([keras.Input(shape=tuple(feature_shape)), layers.Flatten(),
                             layers.Dense(256, activation="relu"), layers.Dense(NUM_CLASSES, activation="softmax")])
    head.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return head
'''},
    "head_relu_output": {"build_head": '''
def build_head(feature_shape=(1, 1, 512)):
    head = keras.Sequential([keras.Input(shape=tuple(feature_shape)), layers.Flatten(),
                             layers.Dense(256, activation="relu"), layers.Dense(NUM_CLASSES, activation="relu")])
    head.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return head
'''},
    "head_not_trained": {"train_head": '''
def train_head(features, labels, epochs=HEAD_EPOCHS, validation_split=0.2):
    head = build_head(features.shape[1:])
    return head, {"loss": [2.3] * epochs}
'''},
    "head_labels_shuffled": {"train_head": '''
def train_head(features, labels, epochs=HEAD_EPOCHS, validation_split=0.2):
    head = build_head(features.shape[1:])
    shuffled = np.random.permutation(labels)   # the labels no longer belong to their features
    history = head.fit(features, shuffled, epochs=epochs, batch_size=BATCH_SIZE,
                       validation_split=validation_split, verbose=0)
    return head, history.history
'''},
    "no_augmentation": {"build_end_to_end": _end_to_end(augmentation=False)},
    "rescaling_in_model": {"build_end_to_end": _end_to_end(scaling="x = layers.Rescaling(1 / 255)(x)")},
    "rate_argument_ignored": {"unfreeze_top_block": _unfreeze().replace(
        "learning_rate=learning_rate", "learning_rate=1e-5")},
}
