"""Test and benchmark scaffolding (real servers on 127.0.0.1, fixtures, load generators); not shipped."""
