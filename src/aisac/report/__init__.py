"""The forum's voice: the quarterly public report, the agency package, and the checks that keep them apart."""
