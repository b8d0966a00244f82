"""Loading a segmentation test set: model inputs preprocessed as task2's, labels at the model's S x S.

Inputs go through task2's `preprocess` (bicubic resize to S x S, /255, ImageNet mean and std, NCHW float32).
Generated rooms are rendered at S x S, so their labels need no resize; a folder's label maps are resized to
S x S with `resize_labels` (nearest neighbour, an exact index map). Test sets are cached with task2's
`cached_arrays`, under a key that holds everything that shapes the data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from goat.tasks.base import InputSpec
from goat.tasks.depth import synthetic as rooms
from goat.tasks.depth.cache import Allocate, Build, cached_arrays
from goat.tasks.depth.preprocessing import preprocess
from goat.tasks.folders import DatasetError, file_identity, read_rgb
from goat.tasks.segmentation import folder, synthetic
from goat.tasks.segmentation.labels import IGNORE, resize_labels

SYNTHETIC_SAMPLES = 96
"""How many generated rooms a test set has when num_samples is None."""

LABEL_RESIZE = "nearest-exact"
"""Part of the cache key: how label maps are brought to S x S (see resize_labels)."""


@dataclass(frozen=True, eq=False)
class SegmentationTestSet:
    """Model inputs (N, 3, S, S) float32 and labels (N, S, S) uint8 (class ids, IGNORE = 255), read-only."""

    inputs: np.ndarray
    names: tuple[str, ...]
    labels: np.ndarray
    num_classes: int
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)


def load_segmentation_test_set(
    *,
    image_size: int,
    num_samples: int | None = None,
    seed: int = 0,
    dataset_dir: Path | None = None,
    cache_dir: Path | None = None,
    input_spec: InputSpec | None = None,
) -> SegmentationTestSet:
    """Generated rooms (dataset_dir None) or the folder dataset_dir, preprocessed at image_size.

    num_samples None means SYNTHETIC_SAMPLES rooms, or every sample of the folder; for a folder it takes the
    first N in name order, and asking for more than there are is an error. seed only affects generated
    rooms. input_spec (default: 3 channels, bicubic, ImageNet mean and std) is used at image_size.
    cache_dir None disables the cache.
    """
    if num_samples is not None and num_samples < 1:
        raise ValueError(f"num_samples must be positive or None, got {num_samples}")
    spec = dataclasses.replace(
        input_spec or InputSpec(channels=3, image_size=image_size), image_size=image_size
    )
    if dataset_dir is None:
        num_classes, class_names = len(synthetic.CLASS_NAMES), synthetic.CLASS_NAMES
        key, build = _synthetic_source(spec, num_samples or SYNTHETIC_SAMPLES, seed)
    else:
        config = folder.read_config(dataset_dir)
        samples = folder.list_samples(dataset_dir)
        if num_samples is not None:
            if num_samples > len(samples):
                raise DatasetError(f"{num_samples} samples requested but {dataset_dir} has {len(samples)}")
            samples = samples[:num_samples]
        num_classes, class_names = config.num_classes, config.class_names
        key, build = _folder_source(spec, dataset_dir, samples, config)
    arrays = cached_arrays(cache_dir, key, build)
    for array in arrays.values():
        array.flags.writeable = False
    names = tuple(str(name) for name in arrays["names"])
    return SegmentationTestSet(arrays["inputs"], names, arrays["labels"], num_classes, class_names)


def _allocate(allocate: Allocate, spec: InputSpec, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    allocate("names", (len(names),), f"<U{max(map(len, names))}")[:] = names
    inputs = allocate("inputs", (len(names), *spec.sample_shape), np.float32)
    labels = allocate("labels", (len(names), spec.image_size, spec.image_size), np.uint8)
    return inputs, labels


def _synthetic_source(spec: InputSpec, count: int, seed: int) -> tuple[Mapping[str, object], Build]:
    rooms.check_seed(seed)
    key = {
        "task": "segmentation",
        "source": "synthetic",
        "renderer": rooms.RENDERER_VERSION,
        "labels": synthetic.LABELS_VERSION,
        "class_names": list(synthetic.CLASS_NAMES),
        "seed": seed,
        "count": count,
        "input": dataclasses.asdict(spec),
    }

    def build(allocate: Allocate) -> None:
        names = [rooms.scene_name(index) for index in range(count)]
        inputs, labels = _allocate(allocate, spec, names)
        for index in range(count):
            rgb, labels[index] = synthetic.render_scene_labels(seed, index, spec.image_size)
            preprocess(rgb, spec, out=inputs[index])

    return key, build


def _folder_source(
    spec: InputSpec, directory: Path, samples: list[folder.Sample], config: folder.SegmentationConfig
) -> tuple[Mapping[str, object], Build]:
    """The key holds each file's size and modification time, so an edited dataset is re-read."""
    key = {
        "task": "segmentation",
        "source": "folder",
        "directory": str(directory.resolve()),
        "files": [[s.name, *file_identity(s.rgb), *file_identity(s.labels)] for s in samples],
        "num_classes": config.num_classes,
        "class_names": list(config.class_names),
        "label_resize": LABEL_RESIZE,
        "input": dataclasses.asdict(spec),
    }

    def build(allocate: Allocate) -> None:
        inputs, labels = _allocate(allocate, spec, [sample.name for sample in samples])
        for sample, model_input, target in zip(samples, inputs, labels, strict=True):
            rgb = read_rgb(sample.rgb)
            label_map = folder.read_labels(sample.labels, config.num_classes)
            if label_map.shape != rgb.shape[:2]:
                raise DatasetError(
                    f"{sample.labels}: label map is {label_map.shape[1]}x{label_map.shape[0]} but its image "
                    f"{sample.rgb.name} is {rgb.shape[1]}x{rgb.shape[0]}"
                )
            preprocess(rgb, spec, out=model_input)
            target[...] = resize_labels(label_map, spec.image_size)
        if np.all(labels == IGNORE):
            raise DatasetError(f"{directory}: every pixel of every label map is {IGNORE} (ignore)")

    return key, build
