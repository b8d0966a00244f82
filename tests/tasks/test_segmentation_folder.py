import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goat.tasks.base import InputSpec
from goat.tasks.depth.preprocessing import preprocess
from goat.tasks.folders import DatasetError, read_rgb
from goat.tasks.segmentation.dataset import SegmentationTestSet, load_segmentation_test_set
from goat.tasks.segmentation.folder import SegmentationConfig, list_samples, read_config, read_labels
from goat.tasks.segmentation.labels import resize_labels
from tests.support.depth_files import gradient_rgb, write_png16, write_rgb

CONFIG = 'num_classes = 3\nclass_names = ["sky", "road", "car"]\n'


def label_map(height: int, width: int, offset: int = 0) -> np.ndarray:
    """Class ids 0..2 in vertical stripes, with an ignored (255) border row."""
    labels = ((np.arange(width)[None, :] // 5 + offset) % 3).repeat(height, axis=0).astype(np.uint8)
    labels[0] = 255
    return labels


def write_labels(path: Path, labels: np.ndarray, *, palette: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(labels)
    if palette:  # as Pascal VOC ships them: palette indices are the class ids
        image = image.convert("P")
        image.putpalette([value for index in range(256) for value in (index, 255 - index, 0)])
        image.putdata(labels.ravel().tolist())
    image.save(path)


@pytest.fixture
def seg_dir(tmp_path: Path) -> Path:
    """Two samples of 24 x 32: a.png with a grayscale label map, b.jpg with a palette one."""
    root = tmp_path / "segmentation"
    write_rgb(root / "rgb" / "a.png", gradient_rgb(24, 32))
    write_labels(root / "labels" / "a.png", label_map(24, 32))
    write_rgb(root / "rgb" / "b.jpg", gradient_rgb(24, 32, offset=40))
    write_labels(root / "labels" / "b.png", label_map(24, 32, offset=1), palette=True)
    (root / "dataset.toml").write_text(CONFIG)
    return root


def load(folder: Path, **params: object) -> SegmentationTestSet:
    return load_segmentation_test_set(**{"image_size": 16, "dataset_dir": folder, **params})


def test_a_folder_test_set_is_read_preprocessed_and_resized(seg_dir: Path) -> None:
    test_set = load(seg_dir)
    assert test_set.names == ("a", "b")
    assert (test_set.num_classes, test_set.class_names) == (3, ("sky", "road", "car"))
    assert test_set.inputs.shape == (2, 3, 16, 16) and not test_set.inputs.flags.writeable
    assert test_set.labels.shape == (2, 16, 16) and not test_set.labels.flags.writeable
    spec = InputSpec(channels=3, image_size=16)
    for index, (name, offset) in enumerate([("a.png", 0), ("b.jpg", 1)]):
        assert np.array_equal(test_set.inputs[index], preprocess(read_rgb(seg_dir / "rgb" / name), spec))
        assert np.array_equal(test_set.labels[index], resize_labels(label_map(24, 32, offset), 16))
    assert set(np.unique(test_set.labels).tolist()) == {0, 1, 2, 255}


def test_palette_label_maps_are_read_as_indices_not_colours(seg_dir: Path) -> None:
    assert Image.open(seg_dir / "labels" / "b.png").mode == "P"
    assert np.array_equal(read_labels(seg_dir / "labels" / "b.png", 3), label_map(24, 32, offset=1))


def test_num_samples_takes_the_first_names_and_cannot_exceed_the_folder(seg_dir: Path) -> None:
    assert load(seg_dir, num_samples=1).names == ("a",)
    with pytest.raises(DatasetError, match=r"3 samples requested but .* has 2"):
        load(seg_dir, num_samples=3)


def test_an_edited_label_map_is_read_again_despite_the_cache(seg_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert np.array_equal(load(seg_dir, cache_dir=cache).labels[0], resize_labels(label_map(24, 32), 16))
    path = seg_dir / "labels" / "a.png"
    write_labels(path, np.full((24, 32), 2, dtype=np.uint8))
    os.utime(path, ns=(1, 1))  # a distinct modification time even on coarse-clock filesystems
    assert np.all(load(seg_dir, cache_dir=cache).labels[0] == 2)


def test_the_config_lists_the_classes(seg_dir: Path) -> None:
    assert read_config(seg_dir) == SegmentationConfig(num_classes=3, class_names=("sky", "road", "car"))
    assert [s.labels.name for s in list_samples(seg_dir)] == ["a.png", "b.png"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("num_classes = [", "cannot read it"),
        (CONFIG + "depth_scale = 1000\n", "unknown key(s) depth_scale"),
        ('class_names = ["a"]\n', "num_classes must be an integer, got None"),
        ('num_classes = 1.5\nclass_names = ["a"]\n', "num_classes must be an integer, got 1.5"),
        ('num_classes = true\nclass_names = ["a"]\n', "num_classes must be an integer, got True"),
        ("num_classes = 0\nclass_names = []\n", "num_classes must be 1..255 (255 means ignore), got 0"),
        ("num_classes = 256\nclass_names = []\n", "num_classes must be 1..255 (255 means ignore), got 256"),
        ("num_classes = 2\n", "class_names must be a list of non-empty strings, got None"),
        ('num_classes = 2\nclass_names = ["a", 2]\n', "class_names must be a list of non-empty strings"),
        ('num_classes = 2\nclass_names = ["a", ""]\n', "class_names must be a list of non-empty strings"),
        ('num_classes = 3\nclass_names = ["a", "b"]\n', "class_names has 2 names but num_classes is 3"),
        ('num_classes = 2\nclass_names = ["a", "b", "c"]\n', "class_names has 3 names but num_classes is 2"),
        ('num_classes = 3\nclass_names = ["a", "b", "a"]\n', "class_names repeats 'a'"),
    ],
)
def test_a_bad_dataset_toml_is_rejected_naming_it(seg_dir: Path, text: str, message: str) -> None:
    path = seg_dir / "dataset.toml"
    path.write_text(text)
    with pytest.raises(DatasetError, match=re.escape(f"{path}: {message}")):
        load(seg_dir)


def out_of_range_ids(root: Path) -> None:
    labels = label_map(24, 32)
    labels[5, 7], labels[9, 1] = 3, 200
    write_labels(root / "labels" / "a.png", labels)


def remove_labels_folder(root: Path) -> None:
    for path in (root / "labels").iterdir():
        path.unlink()
    (root / "labels").rmdir()


def nothing_labelled(root: Path) -> None:
    for name in ("a", "b"):
        write_labels(root / "labels" / f"{name}.png", np.full((24, 32), 255, dtype=np.uint8))


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda root: (root / "dataset.toml").unlink(), "{root}/dataset.toml: missing"),
        (
            lambda root: write_rgb(root / "rgb" / "c.png", gradient_rgb(24, 32)),
            "{root}/rgb/c.png: no matching file named c.* in {root}/labels",
        ),
        (
            lambda root: write_labels(root / "labels" / "d.png", label_map(24, 32)),
            "{root}/labels/d.png: no matching file named d.* in {root}/rgb",
        ),
        (remove_labels_folder, "{root}/labels does not exist or is not a directory"),
        (
            lambda root: write_labels(root / "labels" / "b.png", label_map(12, 16)),
            "{root}/labels/b.png: label map is 16x12 but its image b.jpg is 32x24",
        ),
        (
            out_of_range_ids,
            "{root}/labels/a.png: class id(s) 3, 200 not below num_classes 3 (255 = ignore), "
            "the first at row 5, column 7",
        ),
        (
            lambda root: write_rgb(root / "labels" / "a.png", np.zeros((24, 32, 3), dtype=np.uint8)),
            "{root}/labels/a.png: a label map must be an 8-bit grayscale or palette PNG of class ids, "
            "got mode RGB",
        ),
        (
            lambda root: write_png16(root / "labels" / "a.png", np.ones((24, 32))),
            "{root}/labels/a.png: a label map must be an 8-bit grayscale or palette PNG of class ids, "
            "got mode I;16",
        ),
        (
            lambda root: (root / "labels" / "b.png").write_bytes(b"not a png"),
            "{root}/labels/b.png: cannot read label map",
        ),
        (
            lambda root: (root / "labels" / "a.png").rename(root / "labels" / "a.jpg"),
            "{root}/labels/a.jpg: unsupported file type (expected .png)",
        ),
        (nothing_labelled, "{root}: every pixel of every label map is 255 (ignore)"),
    ],
    ids=[
        "no dataset.toml",
        "image without labels",
        "labels without image",
        "no labels folder",
        "another size",
        "class id out of range",
        "rgb label map",
        "16-bit label map",
        "unreadable label map",
        "jpeg label map",
        "nothing labelled",
    ],
)
def test_a_malformed_folder_is_rejected_naming_the_file(
    seg_dir: Path, spoil: Callable[[Path], object], message: str
) -> None:
    spoil(seg_dir)
    with pytest.raises(DatasetError, match=re.escape(message.format(root=seg_dir))):
        load(seg_dir)
