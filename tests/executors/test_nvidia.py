"""nvidia-smi's text read as goat reads it: the driver, the newest CUDA it runs, the build to install."""

from __future__ import annotations

import pytest

from goat.executors.cuda import Build, extra_for, mismatch, ort_cuda_major
from goat.executors.nvidia import Driver, cuda_major_for_driver, parse_driver_version, parse_header
from tests.support.nvidia import SMI_470, SMI_535, SMI_570, SMI_580


@pytest.mark.parametrize(
    ("text", "version", "cuda", "extra"),
    [
        (SMI_580, "580.95.05", "13.0", "gpu"),
        (SMI_570, "570.133.20", "12.8", "gpu-cu12"),
        (SMI_535, "535.129.03", "12.2", "gpu-cu12"),
        (SMI_470, "470.182.03", "11.4", "gpu-cu12"),
    ],
)
def test_header_gives_driver_cuda_and_extra(text: str, version: str, cuda: str, extra: str) -> None:
    driver = parse_header(text)
    assert driver == Driver(version=version, cuda=cuda)
    assert driver.cuda_major == int(cuda.split(".")[0])
    assert extra_for(driver) == extra


def test_no_header_no_driver() -> None:
    assert parse_header("") is None
    assert (
        parse_header("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.") is None
    )
    assert extra_for(None) == "cpu"


def test_driver_query_maps_series_to_cuda_major() -> None:
    driver = parse_driver_version("575.57.08\n575.57.08\n")
    assert driver == Driver(version="575.57.08", cuda=None)
    assert driver.cuda_major == 12
    assert parse_driver_version("N/A\n") is None
    assert [cuda_major_for_driver(v) for v in ("580.65.06", "590.1", "570.86.10", "525.60.13", "470.1")] == [
        13,
        13,
        12,
        12,
        11,
    ]


def test_pypi_builds_by_release() -> None:
    """Read from the wheels' metadata: 1.26.0 needs nvidia-cuda-runtime-cu12~=12.0 (build info 12.8);
    1.27.0 nvidia-cuda-runtime-cu13~=13.0 and 1.31.1 nvidia-cuda-runtime~=13.0 (build info 13.0)."""
    assert [ort_cuda_major(v) for v in ("1.31.1", "1.27.0", "1.26.0", "1.19.0", "1.18.1")] == [
        13,
        13,
        12,
        12,
        11,
    ]


def test_mismatch_names_the_driver_and_the_build() -> None:
    cu13 = Build(package="onnxruntime-gpu", version="1.31.1", cuda="13.0")
    old = parse_header(SMI_570)
    why = mismatch(old, cu13)
    assert "570.133.20 supports CUDA 12.8" in why
    assert "needs CUDA 13 (driver >= 580)" in why
    assert "RUNTIME=gpu-cu12" in why
    assert mismatch(parse_header(SMI_580), cu13) is None
    assert mismatch(old, Build(package="onnxruntime-gpu", version="1.26.0", cuda="12.8")) is None
    assert "CPU-only build" in mismatch(old, Build(package="onnxruntime", version="1.31.1", cuda=None))
