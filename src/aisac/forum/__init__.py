"""The forum between labs: private set intersection of account identifiers through the hub."""
