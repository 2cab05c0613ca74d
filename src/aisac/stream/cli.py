"""`aisac stream produce` (publish a log to a topic) and `aisac guard consume` (decide a topic's records)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aisac.console import EXIT_BAD_INPUT, EXIT_FOUND, console, fail

app = typer.Typer(help="Publish API logs to a Kafka-compatible topic.", no_args_is_help=True)

Bootstrap = Annotated[str, typer.Option(help="broker HOST:PORT (Kafka protocol)")]
Topic = Annotated[str, typer.Option(help="topic of api-log-v1 records")]


@app.command("produce")
def produce_cmd(
    logs: Annotated[list[Path], typer.Argument(help="log files or directories (api-log-v1)")],
    bootstrap: Bootstrap,
    topic: Topic,
    partitions: Annotated[int, typer.Option(min=1, help="partitions when the topic is created")] = 1,
) -> None:
    """Publish LOGS' records in time order, one JSON object per message, keyed by account.id."""
    from confluent_kafka import KafkaException

    from aisac.logs.reader import LogError
    from aisac.stream.produce import DeliveryError, produce

    try:
        sent = produce(logs, bootstrap, topic, partitions)
    except (LogError, DeliveryError, KafkaException) as exc:
        fail(exc, EXIT_BAD_INPUT if isinstance(exc, LogError) else EXIT_FOUND)
    aside = f" ({sent.rejected} bad records set aside by the reader)" if sent.rejected else ""
    console.print(f"published {sent.records} records to {topic}{aside}", markup=False, highlight=False)


def consume(
    bootstrap: Bootstrap,
    topic: Topic,
    group: Annotated[str, typer.Option(help="consumer group id")],
    out: Annotated[Path, typer.Option(help="directory of summary.json and the consumer's checkpoint")],
    until_idle: Annotated[
        float | None, typer.Option(min=0.1, help="stop after this many seconds without a record")
    ] = None,
    decisions_topic: Annotated[str | None, typer.Option(help="also publish every decision to this topic")] = None,
    checkpoint_s: Annotated[float, typer.Option(min=0.05, help="seconds between checkpoints")] = 2.0,
    policy: Annotated[Path | None, typer.Option(help="policy YAML (default: the packaged policy)")] = None,
    seed_accounts: Annotated[Path | None, typer.Option(help="detector accounts.csv to seed the guard with")] = None,
    seed_campaigns: Annotated[Path | None, typer.Option(help="detector campaigns.json to seed the guard with")] = None,
) -> None:
    """Decide every record of TOPIC with the guard; OUT/summary.json as `aisac enforce replay` writes it.

    Restarted with the same OUT, it resumes where its last checkpoint ended: every record counts once."""
    import signal

    from aisac.enforce.cli import _guard
    from aisac.stream.checkpoint import CheckpointError
    from aisac.stream.consume import Options, StreamError
    from aisac.stream.consume import consume as run

    guard = _guard(policy, seed_accounts, seed_campaigns)
    stopping: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stopping.append(signum))
    opts = Options(bootstrap, topic, group, out, until_idle, decisions_topic, checkpoint_s)
    try:
        done = run(guard, opts, stop=lambda: bool(stopping))
    except (CheckpointError, StreamError) as exc:
        fail(exc, EXIT_FOUND)
    console.print(
        f"{done.decided} records decided in all ({done.duplicates} duplicates skipped, {done.rejected} rejected); "
        f"this run {done.this_run} at {done.rate:,.0f}/s; wrote {out / 'summary.json'}",
        markup=False,
        highlight=False,
    )
