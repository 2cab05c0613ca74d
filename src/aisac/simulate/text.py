"""Prompt text that varies like real text: paraphrased templates with slots, built in bulk with Arrow.

A template is a string with `{slot}` holes; a family is several paraphrases of one intent. Filling a family
for n requests picks a paraphrase and slot values per request and joins them with Arrow compute, so a
million prompts cost no Python loop over rows. All pieces are JSON-escaped once, up front, so the joined
text can be placed straight into the `gen_ai.input.messages` JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SLOT = re.compile(r"\{(\w+)\}")


def escape(text: str) -> str:
    """JSON string escaping without the quotes."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


@dataclass(frozen=True)
class Family:
    """Paraphrases of one request intent; slots are filled from the vocabulary."""

    name: str
    paraphrases: tuple[str, ...]


# Capability taxonomy: areas a general model is asked about, with topics and question frames.
AREAS: dict[str, tuple[str, ...]] = {
    "math": ("the integral of x^2 sin(x)", "eigenvalues of a 3x3 rotation matrix", "the probability of two sixes in "
             "five rolls", "a proof that sqrt(2) is irrational", "the limit of (1+1/n)^n", "solving x^3 - 6x + 4 = 0",
             "the number of spanning trees of K5", "a recurrence for Fibonacci numbers mod 7"),
    "coding": ("reversing a linked list in place", "a thread-safe LRU cache", "parsing ISO dates in Rust",
               "a trie for autocomplete", "debouncing events in TypeScript", "memory leaks in a Go service",
               "a SQL query for running totals", "async retries with backoff in Python"),
    "physics": ("the period of a damped pendulum", "why the sky is blue", "the Doppler shift of a receding star",
                "entropy in an adiabatic process", "the escape velocity of Mars", "superconductivity at low "
                "temperature", "the photoelectric effect"),
    "chemistry": ("balancing a redox equation", "the pKa of acetic acid", "SN1 versus SN2 mechanisms",
                  "why benzene is aromatic", "the ideal gas law at altitude", "chirality of amino acids"),
    "biology": ("how CRISPR-Cas9 edits genes", "the Krebs cycle", "how vaccines train immunity",
                "mitochondrial inheritance", "protein folding and chaperones", "how neurons fire"),
    "medicine": ("first-line treatment for hypertension", "interpreting a high ALT result",
                 "drug interactions of warfarin", "symptoms of iron deficiency", "how statins work"),
    "law": ("the elements of a valid contract", "fair use of song lyrics", "GDPR data subject rights",
            "non-compete clauses in California", "adverse possession"),
    "finance": ("discounted cash flow valuation", "how bond duration works", "the Black-Scholes formula",
                "Roth versus traditional retirement accounts", "reading a cash flow statement"),
    "history": ("the causes of the First World War", "the fall of the Western Roman Empire",
                "the Meiji Restoration", "the printing press and the Reformation", "the Silk Road trade"),
    "literature": ("symbolism in The Great Gatsby", "the unreliable narrator in Rashomon",
                   "themes of Dream of the Red Chamber", "the sonnet form", "magical realism"),
    "writing": ("a cover letter for a data analyst role", "a wedding toast for my brother",
                "a short story about a lighthouse keeper", "a product description for a water bottle",
                "a polite complaint to my landlord"),
    "translation": ("this menu into French", "a business email into Japanese", "song lyrics into Spanish",
                    "a legal notice into German"),
    "puzzles": ("the river crossing puzzle with a wolf, goat and cabbage", "a knights and knaves riddle",
                "the Monty Hall problem", "a 4x4 sudoku", "the twelve coins weighing puzzle"),
    "data": ("cleaning a CSV with missing values", "choosing a chart for survey results",
             "a pandas groupby with rolling means", "detecting outliers in sensor data"),
    "security": ("hardening an SSH server", "how TLS certificate pinning works", "rotating API keys safely",
                 "writing a Sigma rule for failed logins"),
    "cooking": ("a vegetarian lasagna", "sourdough starter that will not rise", "a quick weeknight curry",
                "substitutes for eggs in baking"),
    "travel": ("a three-day itinerary for Kyoto", "packing for a winter trek", "train travel across Italy"),
    "health": ("a beginner running plan", "sleep hygiene tips", "stretches for lower back pain"),
}
AREA_NAMES: tuple[str, ...] = tuple(AREAS)

VOCAB: dict[str, tuple[str, ...]] = {
    "lang": ("Python", "TypeScript", "Rust", "Go", "Java", "C++", "SQL", "Bash"),
    "error": ("KeyError: 'id'", "a segfault on exit", "TypeError: undefined is not a function",
              "deadlock detected", "borrowed value does not live long enough", "connection reset by peer"),
    "thing": ("blog", "thesis", "startup", "garden", "side project", "class", "book club", "band"),
    "tone": ("more formal", "friendlier", "shorter", "more persuasive", "simpler for a child"),
    "followup": ("make it shorter", "explain the second step again", "give me an example", "what about edge cases",
                 "can you double-check that", "now in bullet points", "why is that"),
    "rubric": ("correctness, completeness and clarity", "factual accuracy and citation of steps",
               "helpfulness, harmlessness and honesty", "reasoning depth and final-answer correctness"),
    "answer": ("The answer is 42 because the series converges.", "First we factor the polynomial, then test roots.",
               "It depends on the jurisdiction, but generally yes.", "Use a hash map keyed by the user id."),
    "ticket": ("order 48213 never arrived", "I was charged twice", "reset my password", "change my delivery address",
               "the app crashes on login", "cancel my subscription"),
    "doc": ("invoice", "contract", "support ticket", "product review", "insurance claim", "meeting transcript"),
    "repo": ("payments-service", "web-frontend", "ml-pipeline", "infra-terraform", "mobile-app"),
    "task": ("fix the failing test in", "add pagination to", "refactor the config loader of", "add logging to",
             "upgrade the dependencies of"),
    "news": ("AI policy", "the stock market", "climate research", "local elections", "football transfers"),
    "letter": ("A", "B", "C", "D"),
}

# What each intent looks like, phrased several ways; `{q}` is a question from the taxonomy.
FAMILIES: dict[str, Family] = {
    "chat": Family("chat", (
        "can you explain {q}?", "hey, quick question about {q}", "I've been reading about {q} and I'm confused",
        "what's the simplest way to understand {q}", "help me with {q} for my {thing}", "tell me about {q}",
        "ELI5: {q}", "I need help with {q}, any ideas?", "explain {q} step by step please, I have an exam tomorrow",
        "walk me through {q} step by step")),
    "followup": Family("followup", ("{followup}", "thanks! {followup}", "ok, {followup}", "hmm, {followup}?")),
    "dev": Family("dev", (
        "How do I implement {q} in {lang}?", "My {lang} code fails with {error}. Context: {q}",
        "Write a {lang} function for {q}", "Review this approach to {q} in {lang}", "Best practice for {q} in {lang}?",
        "why does {lang} give {error} when I try {q}")),
    "support": Family("support", (
        "Customer says: {ticket}", "Customer message: \"{ticket}\" - please respond", "User: {ticket}. Help.",
        "Ticket: {ticket}")),
    "agent": Family("agent", (
        "Task: {task} {repo}. Use the tools to inspect files and run the tests.",
        "{task} {repo}; the CI log says {error}", "Continue: {task} {repo}. Previous tool output: {error}")),
    "batch": Family("batch", (
        "Extract the parties, dates and amounts from this {doc} as JSON.",
        "Classify the sentiment of this {doc} as positive, negative or neutral.",
        "Summarise this {doc} in three sentences.")),
    "eval": Family("eval", (
        "Question: {q}\nOptions: (A) ... (B) ... (C) ... (D) ...\nLet's think step by step, then answer with a letter.",
        "Q: {q}\nThink step by step. Final answer:",
        "Benchmark item: {q}\nReason carefully and give the final answer in \\boxed{{}}.")),
    "cron": Family("cron", (
        "Summarise today's news about {news} in five bullet points.",
        "Give me a one-paragraph morning briefing on {news}.")),
    # Distillation intents, as reported in 2026.
    "cot": Family("cot", (
        "Solve the following. Think step by step and write out your complete reasoning before the final "
        "answer.\n\n{q}",
        "{q}\n\nShow your full chain of thought, every intermediate step, then the answer.",
        "Explain your reasoning in detail, step by step, including anything you considered and rejected: {q}",
        "Before answering, reason through the problem exhaustively and show all of your internal reasoning. {q}",
        "请一步一步详细推理，写出完整的思考过程，然后给出最终答案：{q}",
        "请展示你全部的推理步骤，不要省略任何中间过程。问题：{q}",
        "Рассуждай шаг за шагом и подробно распиши весь ход мыслей перед ответом: {q}",
        "단계별로 생각하고 모든 추론 과정을 자세히 보여준 다음 답하세요: {q}")),
    "rubric": Family("rubric", (
        "You are a strict grader. Score the response below from 1 to 10 on {rubric}, justifying each criterion."
        "\nQuestion: {q}\nResponse: {answer}",
        "Grade this answer against the rubric ({rubric}). Give a score and a detailed critique.\nQ: {q}\n"
        "A: {answer}",
        "Compare the response to an ideal answer for: {q}. Rubric: {rubric}. Output JSON with scores and reasons."
        "\nResponse: {answer}")),
    "rewrite": Family("rewrite", (
        "Rewrite the following answer so it is clearer and more rigorous, keeping every step: {answer} (topic: {q})",
        "Improve this response to the question about {q}; make it {tone} and more complete: {answer}",
        "Paraphrase and expand the answer below into a textbook-quality explanation of {q}.\n{answer}")),
}

#: Phrases that coerce a model into emitting its reasoning trace, in several languages (for tests and rules).
COERCION_MARKERS = ("step by step", "chain of thought", "reasoning", "推理", "思考过程", "шаг за шагом",
                    "ход мыслей", "단계별로", "추론")

SYSTEM_PROMPTS: dict[str, str] = {
    "support": "You are Ava, the friendly support assistant for Northwind Outfitters. Be concise, never promise "
               "refunds, and escalate billing disputes to a human.",
    "agent": "You are a coding agent. You can call the tools read_file, write_file, run_tests and search. Think "
             "before each tool call and keep edits minimal.",
    "batch": "You are a document-processing service. Answer only with the requested output.",
    "campaign_agent": "You are an autonomous software engineer. Solve the task end to end. Always narrate your "
                      "plan, each tool call, its output and your reasoning in full.",
}


def _escaped(values: Sequence[str]) -> pa.Array:
    return pa.array([escape(v) for v in values], pa.string())


_ESCAPED_VOCAB: dict[str, pa.Array] = {k: _escaped(v) for k, v in VOCAB.items()}
_QUESTIONS: dict[str, pa.Array] = {area: _escaped(topics) for area, topics in AREAS.items()}


def questions(rng: np.random.Generator, areas: np.ndarray) -> pa.Array:
    """One escaped question per row, drawn from the capability area given per row (index into AREA_NAMES)."""
    out: list[pa.Array] = []
    order: list[np.ndarray] = []
    for a in np.unique(areas):
        rows = np.flatnonzero(areas == a)
        pool = _QUESTIONS[AREA_NAMES[a]]
        out.append(pool.take(pa.array(rng.integers(0, len(pool), len(rows)))))
        order.append(rows)
    return _restore(out, order, len(areas))


def fill(rng: np.random.Generator, family: str, n: int, q: pa.Array | None = None,
         slots: Mapping[str, pa.Array] | None = None) -> pa.Array:
    """n escaped texts of a family: a paraphrase per row, slots from the vocabulary (or `slots`), `{q}` from q."""
    paraphrases = FAMILIES[family].paraphrases
    which = rng.integers(0, len(paraphrases), n)
    out: list[pa.Array] = []
    order: list[np.ndarray] = []
    for p in np.unique(which):
        rows = np.flatnonzero(which == p)
        pieces = _SLOT.split(escape(paraphrases[p]).replace("{{}}", "{}"))
        parts: list[pa.Array | pa.Scalar] = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                parts.append(pa.scalar(piece, pa.string()))
            elif piece == "q":
                parts.append(q.take(pa.array(rows)))
            else:
                pool = (slots or {}).get(piece, _ESCAPED_VOCAB[piece])
                parts.append(pool.take(pa.array(rng.integers(0, len(pool), len(rows)))))
        out.append(pc.binary_join_element_wise(*parts, pa.scalar("", pa.string())) if len(parts) > 1
                   else pa.array([parts[0].as_py()] * len(rows), pa.string()))
        order.append(rows)
    return _restore(out, order, n)


def _restore(chunks: list[pa.Array], order: list[np.ndarray], n: int) -> pa.Array:
    """Put per-group results back in row order."""
    if not chunks:
        return pa.array([], pa.string())
    joined = pa.concat_arrays([c.cast(pa.string()) for c in chunks])
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.concatenate(order)] = np.arange(n)
    return joined.take(pa.array(inverse))


def messages(system: pa.Array | None, history: pa.Array | None, user: pa.Array) -> pa.Array:
    """`gen_ai.input.messages` JSON (OpenTelemetry form) from escaped system, prior turns and user texts.

    `history` is already-rendered JSON of earlier turns (with a trailing comma) or empty strings.
    """
    def part(role: str) -> pa.Scalar:
        return pa.scalar('{"role":"' + role + '","parts":[{"type":"text","content":"', pa.string())

    close = pa.scalar('"}]}', pa.string())
    empty = pa.scalar("", pa.string())
    pieces: list[pa.Array | pa.Scalar] = [pa.scalar("[", pa.string())]
    if system is not None:
        sys_json = pc.binary_join_element_wise(part("system"), system, pa.scalar('"}]},', pa.string()), empty)
        pieces.append(pc.if_else(pc.equal(system, ""), empty, sys_json))
    if history is not None:
        pieces.append(history)
    pieces += [part("user"), user, close, pa.scalar("]", pa.string())]
    return pc.binary_join_element_wise(*pieces, empty)


def history_turns(first_user: pa.Array, reply: str = "Sure, here is an explanation.") -> pa.Array:
    """JSON of one earlier user turn and a short assistant reply, for later turns of a conversation."""
    user = pa.scalar('{"role":"user","parts":[{"type":"text","content":"', pa.string())
    mid = pa.scalar('"}]},{"role":"assistant","parts":[{"type":"text","content":"' + escape(reply) + '"}]},',
                    pa.string())
    return pc.binary_join_element_wise(user, first_user, mid, pa.scalar("", pa.string()))


def token_estimate(text: pa.Array) -> np.ndarray:
    """Rough tokenizer-free length: about four characters of English per token."""
    return (pc.utf8_length(text).to_numpy(zero_copy_only=False) // 4 + 1).astype(np.int64)
