"""What the MNIST data set is, in numbers every other module reads from here: an image's pixels, the
classes, the images of each Keras split, and the share of the training images held out for validation
by default (the exercise's 10,000 of 60,000)."""

from __future__ import annotations

INPUTS = 784  # 28 x 28 pixels, flattened
CLASSES = 10
TRAIN_IMAGES = 60_000  # Keras's training split; validation is held out of it
TEST_IMAGES = 10_000
VALIDATION_FRACTION = 1 / 6


def is_sample(train: int, validation: int, test: int) -> bool:
    """Splits of these sizes hold less than the whole of MNIST (a --subset, or a smaller data file)."""
    return train + validation < TRAIN_IMAGES or test < TEST_IMAGES
