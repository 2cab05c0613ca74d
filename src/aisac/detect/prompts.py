"""Prompt text out of `gen_ai.input.messages`, decoded once per request inside DuckDB.

The spec stores messages as a string holding a JSON array in the OpenTelemetry form; escapes such as
\\u4e2d must be decoded before any text rule runs, so rules see the words a person would read.
"""

from __future__ import annotations

MESSAGES = '"gen_ai.input.messages"'

#: The last turn's text: what the request asks now (the spec's messages end with the new user turn).
USER_TEXT = f"json_extract_string({MESSAGES}, '$[#-1].parts[0].content')"
#: The system prompt's text, if the request has one.
SYSTEM_TEXT = (
    f"CASE WHEN json_extract_string({MESSAGES}, '$[0].role') = 'system' "
    f"THEN json_extract_string({MESSAGES}, '$[0].parts[0].content') END"
)
#: The first user turn's text: what a conversation is about (later turns are follow-ups on the same subject).
FIRST_USER_TEXT = (
    f"CASE WHEN json_extract_string({MESSAGES}, '$[0].role') = 'system' "
    f"THEN json_extract_string({MESSAGES}, '$[1].parts[0].content') "
    f"ELSE json_extract_string({MESSAGES}, '$[0].parts[0].content') END"
)
#: Every message part's text, decoded, one per line: what text rules (Sigma `contains`) match against.
DECODED = f"array_to_string(json_extract_string({MESSAGES}, '$[*].parts[*].content'), chr(10))"
#: Number of turns the request carries (multi-turn chats carry history).
TURNS = f"json_array_length({MESSAGES})"


def skeleton(text_sql: str) -> str:
    """A template fingerprint: the text's fixed opening and closing, lower-cased, hashed.

    Slots usually sit in the middle of a template; its opening and closing survive the changing slot
    contents, so requests from one template share the fingerprint (template-slot normalisation).
    """
    return f"hash(left(lower({text_sql}), 24), right(lower({text_sql}), 16))"
