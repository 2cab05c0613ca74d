"""Client side of the forum hub: lab keys, signed bundles, `aisac share push/pull`."""
