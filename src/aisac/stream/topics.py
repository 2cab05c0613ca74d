"""Topic set-up shared by the producer and the consumer's decisions output."""

from __future__ import annotations


def ensure_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    """Create `topic` with `partitions` partitions unless it exists (an existing topic is left as it is)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    if topic in admin.list_topics(timeout=30).topics:
        return
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic]
    try:
        future.result(30)
    except KafkaException as exc:
        if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
            raise
