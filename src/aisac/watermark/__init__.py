"""Output watermarking at serve time, detection with exact p-values, keys and evidence."""
