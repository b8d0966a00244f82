"""goat: evaluate uploaded ONNX models on a hidden test set, fast, on GPUs."""

__version__ = "0.1.0"
