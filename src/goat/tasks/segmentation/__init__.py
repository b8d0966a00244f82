"""Semantic segmentation: test data (generated rooms labelled by the surface each pixel sees, or a dataset
folder), label resizing, the confusion-matrix metrics (mIoU) and colour-coded previews. The protocol is
written out in docs/evaluation.md."""
