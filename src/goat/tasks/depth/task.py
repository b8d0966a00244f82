"""The depth task: a definition that ties the test data, the model's input and output, and the metrics.

A second depth task (say, metric depth on KITTI) is another `DepthTask(...)`, not new code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from goat.tasks.base import DatasetParams, InputSpec, OutputLayout, SamplePreview, TaskDefinition, TestSet
from goat.tasks.depth import folder, synthetic
from goat.tasks.depth.alignment import ALIGNMENTS, OUTPUT_KINDS
from goat.tasks.depth.cache import Allocate, Build, cached_arrays
from goat.tasks.depth.masks import EvalRegion
from goat.tasks.depth.metrics import HIGHER_IS_BETTER, METRICS
from goat.tasks.depth.preprocessing import RESAMPLING, preprocess
from goat.tasks.depth.preview import sample_preview
from goat.tasks.depth.scoring import DepthScorer
from goat.tasks.folders import file_identity
from goat.tasks.previews import PUBLIC_SEED
from goat.tasks.settings import TaskSettings


@dataclass(frozen=True, eq=False)
class DepthTestSet:
    """Model inputs (N, 3, S, S) float32 and, per sample, its ground truth (H, W) float32 in metres (0 where
    unknown) at its own resolution, with the region of it that is scored. Arrays are read-only."""

    inputs: np.ndarray
    names: tuple[str, ...]
    depths: tuple[np.ndarray, ...]
    region: EvalRegion

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True, kw_only=True)
class DepthTask(TaskDefinition):
    """A monocular depth task. Without a dataset folder its test set is `synthetic_samples` generated rooms,
    scored inside `synthetic_region`; a folder brings its own region in dataset.toml."""

    output_kind: str
    alignment: str
    synthetic_samples: int = 96
    synthetic_region: EvalRegion = field(default_factory=EvalRegion)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.output_kind not in OUTPUT_KINDS:
            raise ValueError(f"{self.name}: output_kind must be one of {', '.join(OUTPUT_KINDS)}")
        if self.alignment not in ALIGNMENTS:
            raise ValueError(f"{self.name}: alignment must be one of {', '.join(ALIGNMENTS)}")
        unknown = sorted(set(self.metrics) - set(METRICS))
        if unknown:
            raise ValueError(f"{self.name}: unknown metric(s) {', '.join(unknown)}")
        expected = "higher" if self.score_metric in HIGHER_IS_BETTER else "lower"
        if self.score_direction != expected:
            raise ValueError(
                f"{self.name}: {self.score_metric} is better {expected}, not {self.score_direction}"
            )
        if self.input_spec.channels != 3 or self.input_spec.resize not in RESAMPLING:
            raise ValueError(f"{self.name}: needs 3-channel input and a resize among {', '.join(RESAMPLING)}")

    def output_layouts(self) -> tuple[OutputLayout, ...]:
        return (OutputLayout(channels=None, dtypes=_FLOAT), OutputLayout(channels=1, dtypes=_FLOAT))

    def convert_output(self, output: np.ndarray, layout: OutputLayout) -> np.ndarray:
        return output if layout.channels is None else output[:, 0]

    def output_description(self) -> str:
        return f"{_OUTPUT_TEXT[self.output_kind]}, one value per pixel"

    def details(self) -> Mapping[str, object]:
        return {"output_kind": self.output_kind, "alignment": self.alignment}

    def render_public(self, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        return synthetic.render_scene(PUBLIC_SEED, index, size)

    def preview(self, prediction: np.ndarray, truth: np.ndarray) -> SamplePreview:
        return sample_preview(prediction, truth, self.synthetic_region, self.output_kind, self.alignment)

    def load_test_set(self, params: DatasetParams) -> DepthTestSet:
        """Generated rooms, or the folder params.dataset_dir, preprocessed at params.image_size.

        num_samples None means synthetic_samples rooms, or every sample of the folder; for a folder it takes
        the first N in name order, and asking for more than there are is an error.
        """
        spec = dataclasses.replace(self.input_spec, image_size=params.image_size)
        if params.dataset_dir is None:
            count = params.num_samples or self.synthetic_samples
            key, build = _synthetic_source(spec, count, params.seed)
            region = self.synthetic_region
        else:
            config = folder.read_config(params.dataset_dir)
            samples = folder.list_samples(params.dataset_dir)
            if params.num_samples is not None:
                if params.num_samples > len(samples):
                    raise folder.DatasetError(
                        f"{params.num_samples} samples requested but {params.dataset_dir} has {len(samples)}"
                    )
                samples = samples[: params.num_samples]
            key, build = _folder_source(spec, params.dataset_dir, samples, config)
            region = config.region
        arrays = cached_arrays(params.cache_dir, key, build)
        for array in arrays.values():
            array.flags.writeable = False
        names = tuple(str(name) for name in arrays["names"])
        return DepthTestSet(arrays["inputs"], names, _split(arrays["depth"], arrays["shapes"]), region)

    def scorer(self, test_set: TestSet) -> DepthScorer:
        if not isinstance(test_set, DepthTestSet):
            raise TypeError(f"{self.name} scores a DepthTestSet, got {type(test_set).__name__}")
        return DepthScorer(
            test_set.depths,
            test_set.region,
            output_kind=self.output_kind,
            alignment=self.alignment,
            metrics=self.metrics,
        )


_FLOAT = ("float32",)
_OUTPUT_TEXT = {"disparity": "relative disparity (larger is nearer)", "depth": "depth (larger is farther)"}


def depth_task(name: str, settings: TaskSettings) -> DepthTask:
    """A task of the depth family: task2's protocol under another name, size or dataset."""
    return DepthTask(
        name=name,
        title=settings.title or "Monocular depth estimation (relative disparity, scale-and-shift aligned)",
        input_spec=InputSpec(channels=3, image_size=settings.image_size),
        output_kind="disparity",
        alignment="scale_shift_disparity",
        metrics=METRICS,
        score_metric="delta1",
        score_direction="higher",
        columns=("abs_rel",),
    )


TASK2 = depth_task("task2", TaskSettings(family="depth"))


def _synthetic_source(spec: InputSpec, count: int, seed: int) -> tuple[Mapping[str, object], Build]:
    synthetic.check_seed(seed)
    key = {"source": "synthetic", "renderer": synthetic.RENDERER_VERSION, "seed": seed, "count": count}

    def build(allocate: Allocate) -> None:
        size = spec.image_size
        names = [synthetic.scene_name(index) for index in range(count)]
        inputs, depths = _allocate(allocate, spec, names, [(size, size)] * count)
        for index in range(count):
            rgb, depth = synthetic.render_scene(seed, index, size)
            preprocess(rgb, spec, out=inputs[index])
            depths[index][...] = depth

    return {**key, "input": dataclasses.asdict(spec)}, build


def _folder_source(
    spec: InputSpec, directory: Path, samples: list[folder.Sample], config: folder.FolderConfig
) -> tuple[Mapping[str, object], Build]:
    """The key holds each file's size and modification time, so an edited dataset is re-read."""
    files = [[s.name, *file_identity(s.rgb), *file_identity(s.depth)] for s in samples]
    key = {
        "source": "folder",
        "directory": str(directory.resolve()),
        "files": files,
        "depth_scale": config.depth_scale,
        "input": dataclasses.asdict(spec),
    }

    def build(allocate: Allocate) -> None:
        shapes = [folder.depth_shape(sample.depth) for sample in samples]
        inputs, depths = _allocate(allocate, spec, [sample.name for sample in samples], shapes)
        for sample, model_input, target in zip(samples, inputs, depths, strict=True):
            rgb = folder.read_rgb(sample.rgb)
            depth = folder.read_depth(sample.depth, config.depth_scale)
            if rgb.shape[:2] != depth.shape or depth.shape != target.shape:
                raise folder.DatasetError(
                    f"{sample.depth}: depth map is {depth.shape[1]}x{depth.shape[0]} but its image "
                    f"{sample.rgb.name} is {rgb.shape[1]}x{rgb.shape[0]}"
                )
            if not config.region.mask(depth).any():
                raise folder.DatasetError(
                    f"{sample.depth}: no valid pixel ({config.region.min_depth} < depth < "
                    f"{config.region.max_depth} m inside crop {config.region.crop!r})"
                )
            preprocess(rgb, spec, out=model_input)
            target[...] = depth

    return key, build


def _allocate(
    allocate: Allocate, spec: InputSpec, names: Sequence[str], shapes: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Allocate a test set's arrays; ground truths of any sizes share one flat array (a view per sample)."""
    allocate("names", (len(names),), f"<U{max(map(len, names))}")[:] = names
    allocate("shapes", (len(names), 2), np.int64)[:] = shapes
    inputs = allocate("inputs", (len(names), *spec.sample_shape), np.float32)
    flat = allocate("depth", (sum(h * w for h, w in shapes),), np.float32)
    return inputs, _split(flat, shapes)


def _split(flat: np.ndarray, shapes: Sequence[Sequence[int]] | np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-sample (H, W) views of the flat ground-truth array."""
    sizes = [int(h) * int(w) for h, w in shapes]
    ends = np.cumsum(sizes)
    return tuple(
        flat[end - size : end].reshape(int(h), int(w))
        for size, end, (h, w) in zip(sizes, ends, shapes, strict=True)
    )
