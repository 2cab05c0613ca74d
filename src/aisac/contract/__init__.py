"""The shared contract: typed definitions every part of aisac meets at, importing none of the parts.

Modules here stay light (the standard library, plus `cryptography`/`rfc8785` for envelope signing) so that
any part, and the command line's start-up, can import them without pulling a server, DuckDB or stix2 in.
"""
