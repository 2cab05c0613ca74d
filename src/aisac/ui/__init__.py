"""The analysts' web pages at /ui/ of the hub: server-rendered, no JavaScript needed, TLP as over TAXII."""
