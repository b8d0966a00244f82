import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from goat.tasks.depth.folder import (
    PRESETS,
    DatasetError,
    FolderConfig,
    depth_shape,
    list_samples,
    read_config,
    read_depth,
    read_rgb,
)
from goat.tasks.depth.masks import EvalRegion
from tests.support.depth_files import gradient_rgb, write_npy, write_png16, write_rgb


def test_samples_are_the_pairs_in_name_order(dataset_dir: Path) -> None:
    samples = list_samples(dataset_dir)
    assert [s.name for s in samples] == ["a", "b", "c"]
    assert [s.rgb.name for s in samples] == ["a.png", "b.jpg", "c.png"]
    assert [s.depth.name for s in samples] == ["a.png", "b.npy", "c.png"]


def test_png16_depth_is_divided_by_the_depth_scale(dataset_dir: Path) -> None:
    depth = read_depth(dataset_dir / "depth" / "a.png", 1000.0)
    assert depth.dtype == np.float32 and depth.shape == (24, 32)
    assert np.array_equal(depth[:, 0], (np.arange(1000, 3400, 100) / 1000.0).astype(np.float32))
    assert np.array_equal(
        read_depth(dataset_dir / "depth" / "a.png", 256.0)[0], np.full(32, np.float32(1000 / 256))
    )


def test_npy_depth_is_in_metres_and_nan_inf_become_zero(dataset_dir: Path) -> None:
    depth = read_depth(dataset_dir / "depth" / "b.npy", 1000.0)
    assert depth[0, :3].tolist() == [0.0, 0.0, 0.0]
    assert np.all(depth.ravel()[3:] == 2.5)


def test_rgb_reads_png_and_jpeg_as_8bit_rgb(dataset_dir: Path) -> None:
    assert np.array_equal(read_rgb(dataset_dir / "rgb" / "a.png"), gradient_rgb(24, 32))
    jpeg = read_rgb(dataset_dir / "rgb" / "b.jpg")
    assert jpeg.shape == (24, 32, 3) and jpeg.dtype == np.uint8
    assert np.abs(jpeg.astype(int) - gradient_rgb(24, 32, offset=40)).mean() < 3


def test_grayscale_images_are_converted_to_rgb(tmp_path: Path) -> None:
    Image.fromarray(np.full((4, 5), 77, dtype=np.uint8)).save(tmp_path / "gray.png")
    assert np.array_equal(read_rgb(tmp_path / "gray.png"), np.full((4, 5, 3), 77, dtype=np.uint8))


def test_depth_shape_reads_headers(dataset_dir: Path) -> None:
    assert depth_shape(dataset_dir / "depth" / "a.png") == (24, 32)
    assert depth_shape(dataset_dir / "depth" / "b.npy") == (24, 32)


def test_without_dataset_toml_the_defaults_apply(dataset_dir: Path) -> None:
    assert read_config(dataset_dir) == FolderConfig(depth_scale=1000.0, region=EvalRegion(1e-3, 10.0, "none"))


def test_dataset_toml_sets_scale_range_and_crop(
    write_config: Callable[[str], Path], dataset_dir: Path
) -> None:
    write_config('depth_scale = 256\nmin_depth = 0.5\nmax_depth = 80\ncrop = "garg"\n')
    assert read_config(dataset_dir) == FolderConfig(depth_scale=256.0, region=EvalRegion(0.5, 80.0, "garg"))


def test_a_preset_provides_defaults_that_keys_override(
    write_config: Callable[[str], Path], dataset_dir: Path
) -> None:
    write_config('preset = "kitti_eigen"\nmax_depth = 50\n')
    config = read_config(dataset_dir)
    assert config.depth_scale == 256.0 and config.region == EvalRegion(1e-3, 50.0, "garg")
    write_config('preset = "nyuv2"\n')
    assert read_config(dataset_dir) == PRESETS["nyuv2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth_scale = [", "cannot read it"),
        ("scale = 1000", "unknown key"),
        ('preset = "nyu"', "preset must be one of nyuv2, kitti_eigen"),
        ("depth_scale = 0", "depth_scale must be positive"),
        ('depth_scale = "1000"', "depth_scale must be a finite number"),
        ("max_depth = true", "max_depth must be a finite number"),
        ("max_depth = nan", "max_depth must be a finite number"),
        ('crop = "center"', "crop must be one of none, eigen, garg"),
        ("min_depth = 20", "0 < min_depth < max_depth"),
    ],
)
def test_a_bad_dataset_toml_is_rejected_naming_it(
    write_config: Callable[[str], Path], dataset_dir: Path, text: str, message: str
) -> None:
    path = write_config(text)
    with pytest.raises(DatasetError, match=message) as error:
        read_config(dataset_dir)
    assert str(path) in str(error.value)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=f"dataset folder {tmp_path / 'nowhere'} does not exist"):
        list_samples(tmp_path / "nowhere")


def test_a_missing_subfolder_is_named(dataset_dir: Path) -> None:
    for path in (dataset_dir / "depth").iterdir():
        path.unlink()
    (dataset_dir / "depth").rmdir()
    with pytest.raises(DatasetError, match=f"{dataset_dir / 'depth'} does not exist"):
        list_samples(dataset_dir)


def test_an_image_without_depth_is_named(dataset_dir: Path) -> None:
    write_rgb(dataset_dir / "rgb" / "d.png", gradient_rgb(24, 32))
    with pytest.raises(DatasetError, match=f"{dataset_dir / 'rgb' / 'd.png'}: no matching file named d"):
        list_samples(dataset_dir)


def test_a_depth_map_without_image_is_named(dataset_dir: Path) -> None:
    write_npy(dataset_dir / "depth" / "e.npy", np.ones((24, 32), dtype=np.float32))
    with pytest.raises(DatasetError, match=f"{dataset_dir / 'depth' / 'e.npy'}: no matching file named e"):
        list_samples(dataset_dir)


def test_two_files_for_one_sample_are_rejected(dataset_dir: Path) -> None:
    write_npy(dataset_dir / "depth" / "a.npy", np.ones((24, 32), dtype=np.float32))
    with pytest.raises(DatasetError, match=re.escape("sample 'a' also has a.npy")):
        list_samples(dataset_dir)


def test_unsupported_files_are_rejected_but_hidden_ones_ignored(dataset_dir: Path) -> None:
    (dataset_dir / "rgb" / ".DS_Store").write_bytes(b"\0")
    assert len(list_samples(dataset_dir)) == 3
    (dataset_dir / "rgb" / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match=re.escape("notes.txt: unsupported file type")):
        list_samples(dataset_dir)


def test_an_empty_dataset_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "rgb").mkdir()
    (tmp_path / "depth").mkdir()
    with pytest.raises(DatasetError, match="has no samples"):
        list_samples(tmp_path)


def test_unreadable_files_are_named(dataset_dir: Path) -> None:
    (dataset_dir / "rgb" / "a.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match=re.escape("a.png: cannot read image")):
        read_rgb(dataset_dir / "rgb" / "a.png")
    (dataset_dir / "depth" / "b.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(DatasetError, match=re.escape("b.npy: cannot read depth map")):
        read_depth(dataset_dir / "depth" / "b.npy", 1000.0)
    with pytest.raises(DatasetError, match=re.escape("b.npy: cannot read depth map")):
        depth_shape(dataset_dir / "depth" / "b.npy")


def test_an_8bit_depth_png_is_rejected(dataset_dir: Path) -> None:
    Image.fromarray(np.full((24, 32), 9, dtype=np.uint8)).save(dataset_dir / "depth" / "c.png")
    with pytest.raises(
        DatasetError, match=re.escape("c.png: a depth PNG must be 16-bit grayscale, got mode L")
    ):
        read_depth(dataset_dir / "depth" / "c.png", 1000.0)


def test_a_16bit_image_is_rejected_as_rgb(dataset_dir: Path) -> None:
    write_png16(dataset_dir / "rgb" / "c.png", np.full((24, 32), 1000))
    with pytest.raises(DatasetError, match=re.escape("c.png: expected an 8-bit RGB image, got mode I;16")):
        read_rgb(dataset_dir / "rgb" / "c.png")


def test_a_non_float_or_non_2d_npy_is_rejected(dataset_dir: Path) -> None:
    write_npy(dataset_dir / "depth" / "b.npy", np.ones((24, 32), dtype=np.uint16))
    with pytest.raises(
        DatasetError, match=re.escape("b.npy: expected a 2-D float array of metres, got uint16")
    ):
        read_depth(dataset_dir / "depth" / "b.npy", 1000.0)
    write_npy(dataset_dir / "depth" / "b.npy", np.ones((24, 32, 1), dtype=np.float32))
    with pytest.raises(DatasetError, match=re.escape("b.npy: expected a 2-D depth map")):
        depth_shape(dataset_dir / "depth" / "b.npy")
