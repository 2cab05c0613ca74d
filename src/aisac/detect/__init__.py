"""Detectors of adversarial distillation in API logs, all behind one interface (see `base`)."""
