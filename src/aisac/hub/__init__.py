"""The forum hub: a TAXII 2.1 server for member labs, with TLP 2.0, signed submissions and incidents."""

DEFAULT_DB_URL = "sqlite:///aisac-hub.db"
