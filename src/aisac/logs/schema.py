"""The API request log, version 1 (`shared/spec/api-log-v1.md`): column names, kinds and Arrow types.

One table of facts that the JSON Lines and Parquet readers, the simulator and the converter all use,
so that the contract lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyarrow as pa


class Kind(Enum):
    """What a column's value must be; the readers check these, not Python types."""

    STRING = "string"
    COUNT = "integer >= 0"
    INTEGER = "integer"
    NUMBER = "number"
    TIME = "RFC 3339 time with offset"
    ADDRESS = "IPv4 or IPv6 address"
    COUNTRY = "ISO 3166-1 alpha-2 code"
    MESSAGES = "string holding a JSON array"
    PATHWAY = "lowercase pathway name"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.kind]


_ARROW: dict[Kind, pa.DataType] = {
    Kind.STRING: pa.string(),
    Kind.COUNT: pa.int64(),
    Kind.INTEGER: pa.int64(),
    Kind.NUMBER: pa.float64(),
    Kind.TIME: pa.timestamp("us", tz="UTC"),
    Kind.ADDRESS: pa.string(),
    Kind.COUNTRY: pa.string(),
    Kind.MESSAGES: pa.string(),
    Kind.PATHWAY: pa.string(),
}

TIME = "time"
ACCOUNT = "account.id"
MODEL = "gen_ai.request.model"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
ADDRESS = "client.address"
EVENT_ID = "event.id"
ORG = "account.org_id"
CREATED_AT = "account.created_at"
EMAIL_DOMAIN = "account.email_domain"
PAYMENT = "account.payment_fingerprint"
ACCOUNT_COUNTRY = "account.country"
API_KEY = "api_key.id"
ASN = "client.asn"
GEO_COUNTRY = "client.geo.country_iso_code"
USER_AGENT = "user_agent.original"
OPERATION = "gen_ai.operation.name"
CONVERSATION = "gen_ai.conversation.id"
TEMPERATURE = "gen_ai.request.temperature"
MAX_TOKENS = "gen_ai.request.max_tokens"
CHOICE_COUNT = "gen_ai.request.choice.count"
FINISH_REASONS = "gen_ai.response.finish_reasons"
MESSAGES = "gen_ai.input.messages"
STATUS = "http.response.status_code"
#: aisac extension under `account.*` (the spec's place for provider facts no convention names): the
#: programme the account signed up through, e.g. self_serve, enterprise, education, research, startup.
PATHWAY = "account.pathway"

COLUMNS: tuple[Column, ...] = (
    Column(TIME, Kind.TIME, True),
    Column(ACCOUNT, Kind.STRING, True),
    Column(MODEL, Kind.STRING, True),
    Column(INPUT_TOKENS, Kind.COUNT, True),
    Column(OUTPUT_TOKENS, Kind.COUNT, True),
    Column(ADDRESS, Kind.ADDRESS, True),
    Column(EVENT_ID, Kind.STRING, False),
    Column(ORG, Kind.STRING, False),
    Column(CREATED_AT, Kind.TIME, False),
    Column(EMAIL_DOMAIN, Kind.STRING, False),
    Column(PAYMENT, Kind.STRING, False),
    Column(ACCOUNT_COUNTRY, Kind.COUNTRY, False),
    Column(API_KEY, Kind.STRING, False),
    Column(ASN, Kind.INTEGER, False),
    Column(GEO_COUNTRY, Kind.COUNTRY, False),
    Column(USER_AGENT, Kind.STRING, False),
    Column(OPERATION, Kind.STRING, False),
    Column(CONVERSATION, Kind.STRING, False),
    Column(TEMPERATURE, Kind.NUMBER, False),
    Column(MAX_TOKENS, Kind.INTEGER, False),
    Column(CHOICE_COUNT, Kind.INTEGER, False),
    Column(FINISH_REASONS, Kind.STRING, False),
    Column(MESSAGES, Kind.MESSAGES, False),
    Column(STATUS, Kind.INTEGER, False),
    Column(PATHWAY, Kind.PATHWAY, False),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
REQUIRED: tuple[Column, ...] = tuple(c for c in COLUMNS if c.required)
OPTIONAL: tuple[Column, ...] = tuple(c for c in COLUMNS if not c.required)

#: The canonical in-memory and Parquet schema: every column of the spec, in spec order.
ARROW_SCHEMA = pa.schema([pa.field(c.name, c.arrow_type, nullable=not c.required) for c in COLUMNS])

LOG_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")
