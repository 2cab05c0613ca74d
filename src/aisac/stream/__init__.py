"""API log records on a Kafka-compatible topic: publish a log (`aisac stream produce`) and decide every
record with the guard as it arrives (`aisac guard consume`), exactly once in the summary across restarts."""
