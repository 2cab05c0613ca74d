"""Prompt text out of `gen_ai.input.messages`, decoded once per request inside DuckDB.

The spec stores messages as a string holding a JSON array in the OpenTelemetry form; escapes such as
\\u4e2d must be decoded before any text rule runs, so rules see the words a person would read.
"""

from __future__ import annotations

MESSAGES = '"gen_ai.input.messages"'

#: The last turn's text: what the request asks now (the spec's messages end with the new user turn).
USER_TEXT = f"json_extract_string({MESSAGES}, '$[#-1].parts[0].content')"
#: Every message part's text, decoded, one per line: what text rules (Sigma `contains`) match against.
DECODED = f"array_to_string(json_extract_string({MESSAGES}, '$[*].parts[*].content'), chr(10))"
#: Number of turns the request carries (multi-turn chats carry history).
TURNS = f"json_array_length({MESSAGES})"

