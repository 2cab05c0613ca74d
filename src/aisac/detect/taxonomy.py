"""A capability taxonomy: which area of knowledge a prompt asks about, from keywords.

Distillers keep covering new ground to copy the whole model; a real user stays in a few topics. The
keywords are generic words of each field, not the phrasing of any one data set.
"""

from __future__ import annotations

import pyarrow as pa

AREAS: dict[str, tuple[str, ...]] = {
    "mathematics": (
        "integral",
        "derivative",
        "matrix",
        "eigenvalue",
        "eigenvalues",
        "eigenvector",
        "probability",
        "proof",
        "equation",
        "theorem",
        "limit",
        "prime",
        "polynomial",
        "recurrence",
        "spanning tree",
        "irrational",
    ),
    "software": (
        "code",
        "function",
        "python",
        "rust",
        "typescript",
        "java",
        "sql",
        "linked list",
        "cache",
        "bug",
        "compile",
        "api",
        "async",
        "thread",
        "refactor",
        "test",
        "tests",
    ),
    "physics": (
        "velocity",
        "pendulum",
        "entropy",
        "quantum",
        "photon",
        "photoelectric",
        "doppler",
        "gravity",
        "superconductivity",
        "superconductor",
        "adiabatic",
        "sky is blue",
    ),
    "chemistry": (
        "redox",
        "pka",
        "molecule",
        "reaction",
        "benzene",
        "aromatic",
        "acid",
        "sn1",
        "sn2",
        "chirality",
        "ideal gas",
    ),
    "biology": (
        "gene",
        "crispr",
        "cell",
        "protein",
        "krebs",
        "vaccine",
        "immune",
        "immunity",
        "neuron",
        "mitochondria",
        "mitochondrial",
    ),
    "medicine": (
        "treatment",
        "symptom",
        "drug",
        "dose",
        "hypertension",
        "statin",
        "warfarin",
        "alt result",
        "deficiency",
    ),
    "law": ("contract", "fair use", "gdpr", "non-compete", "adverse possession", "liability", "jurisdiction"),
    "finance": ("cash flow", "bond", "black-scholes", "valuation", "retirement", "portfolio", "interest rate"),
    "history": ("war", "empire", "restoration", "reformation", "silk road", "dynasty", "revolution"),
    "literature": ("gatsby", "narrator", "novel", "sonnet", "poem", "realism", "red chamber", "themes of"),
    "writing": ("cover letter", "toast", "short story", "product description", "complaint", "essay"),
    "translation": ("translate", "into french", "into japanese", "into spanish", "into german"),
    "puzzles": ("puzzle", "riddle", "knights and knaves", "monty hall", "sudoku", "river crossing"),
    "data": ("csv", "chart", "pandas", "outlier", "dataset", "regression", "survey"),
    "security": ("ssh", "tls", "certificate", "api key", "sigma rule", "malware", "vulnerability", "vulnerable"),
    "cooking": ("recipe", "lasagna", "sourdough", "curry", "baking", "vegetarian"),
    "travel": ("itinerary", "trek", "train travel", "flight", "hotel"),
    "health": ("running plan", "sleep", "stretch", "workout", "diet"),
}
NAMES: tuple[str, ...] = tuple(AREAS)


#: One alternation of every keyword: a single regex pass per prompt finds them all.
KEYWORD_PATTERN = "\\b(" + "|".join(w for words in AREAS.values() for w in words) + ")\\b"
#: keyword -> area, for joining matched keywords back to their areas.
KEYWORD_AREA: dict[str, str] = {w: area for area, words in AREAS.items() for w in words}


def keywords_sql(text_sql: str) -> str:
    """SQL giving the list of taxonomy keywords found in the text (its first 400 characters: the question)."""
    return f"regexp_extract_all(lower(left({text_sql}, 400)), '{KEYWORD_PATTERN}')"


def keyword_table() -> pa.Table:
    """`keyword, area` rows, for joining matched keywords back to their areas in SQL."""
    return pa.table({"keyword": list(KEYWORD_AREA), "area": list(KEYWORD_AREA.values())})
