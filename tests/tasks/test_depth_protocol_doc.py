"""docs/evaluation.md promises that its numpy reference reproduces a score: hold it to that."""

import re
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.depth.alignment import ALIGNMENTS, OUTPUT_KINDS
from goat.tasks.depth.masks import CROPS, EvalRegion
from goat.tasks.depth.metrics import METRICS
from goat.tasks.depth.scoring import DepthScorer

DOC = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"


@pytest.fixture(scope="module")
def reference() -> dict:
    section = DOC.read_text().split("## 5. Reference implementation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(code, namespace)
    return namespace


@pytest.mark.parametrize("alignment", ALIGNMENTS)
@pytest.mark.parametrize("kind", OUTPUT_KINDS)
@pytest.mark.parametrize("crop", CROPS)
def test_the_documented_protocol_gives_the_service_score(
    reference: dict, alignment: str, kind: str, crop: str
) -> None:
    rng = np.random.default_rng(len(alignment) + 7 * len(kind) + 31 * len(crop))
    gts = [
        rng.uniform(0.0, 12.0, (60, 80)).astype(np.float32),
        rng.uniform(0.5, 9.0, (45, 50)).astype(np.float32),
    ]
    predictions = rng.normal(1.0, 0.6, (2, 32, 32)).astype(np.float32)  # some negative values on purpose
    predictions[1, :4] = 0.0
    scorer = DepthScorer(gts, EvalRegion(crop=crop), output_kind=kind, alignment=alignment, metrics=METRICS)
    scorer.add(0, predictions)
    expected = reference["score"](predictions, gts, crop=crop, kind=kind, alignment=alignment)
    assert scorer.result() == pytest.approx(expected, rel=1e-9, abs=1e-12)
