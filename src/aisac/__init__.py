"""aisac: detect, block, prove and share adversarial distillation of frontier models."""

__version__ = "0.1.0"
