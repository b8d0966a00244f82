"""Monocular depth estimation: test data (generated rooms or a dataset folder), preprocessing, alignment of
relative predictions and the standard metrics. The protocol is written out in docs/evaluation.md."""
