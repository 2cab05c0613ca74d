"""Prompt wording for the `field` family, written from descriptions of the threat, not from any detector.

Every prompt is composed from independent pieces (an opening, a topic, an instruction, a format line), each
drawn per request from pools in several languages, so that no fixed phrase, template opening or keyword
list recurs often enough to be learned. Pools are small Python lists; composing n prompts is Arrow compute
over index arrays (no Python loop over requests). Everything is JSON-escaped up front, as the builder needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.simulate.text import escape

#: Subjects people and sweeps ask about, grouped by field. Written for this family; none of them is taken
#: from the default family's topics, and several fields appear only here.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "astronomy": ("how a red giant sheds its outer layers", "why Jupiter's great red spot persists",
                  "measuring distance with Cepheid variables", "what causes a tidal lock between moons",
                  "the cosmic microwave background anisotropies", "how exoplanets are found by transit dips"),
    "statistics": ("the difference between a p-value and a posterior probability", "bootstrapping a confidence "
                   "band", "why Simpson's paradox happens", "choosing a prior for a rare event rate",
                   "what heteroskedasticity does to regression errors", "the bias of the sample variance"),
    "algebra": ("factoring a quartic with no rational roots", "the rank-nullity theorem", "Galois groups of "
                "cubic polynomials", "diagonalising a symmetric matrix", "the Cayley-Hamilton theorem",
                "solving a system of congruences"),
    "calculus": ("when you can swap a limit and an integral", "Taylor series of ln(1+x) around zero",
                 "the area between two intersecting parabolas", "improper integrals of 1/x^p",
                 "Lagrange multipliers on an ellipse", "arc length of a cycloid"),
    "programming": ("a lock-free queue in C11 atomics", "memoising a recursive parser in Haskell",
                    "backpressure in a Kotlin coroutine pipeline", "a bloom filter sized for 1% false hits",
                    "zero-copy deserialisation in C#", "a rate limiter with a token bucket in Elixir"),
    "networking": ("how BGP route leaks propagate", "TCP slow start after an idle period",
                   "what QUIC changes about head-of-line blocking", "DNS cache poisoning defences",
                   "MTU black holes and path discovery", "how anycast picks a site"),
    "economics": ("why a price ceiling creates queues", "the Phillips curve after 1970",
                  "comparative advantage with three goods", "how central banks set a corridor rate",
                  "deadweight loss of a per-unit tax", "moral hazard in deposit insurance"),
    "philosophy": ("Hume's problem of induction", "the trolley problem under rule consequentialism",
                   "Searle's Chinese room argument", "Kant's categorical imperative and lying",
                   "personal identity in the ship of Theseus", "Wittgenstein on private language"),
    "geography": ("why monsoons reverse direction", "how river deltas migrate", "the formation of fjords",
                  "rain shadows behind mountain ranges", "why some deserts lie on western coasts"),
    "music": ("voice leading in a ii-V-I progression", "why equal temperament detunes thirds",
                "the structure of a sonata-allegro movement", "polyrhythm of three against four"),
    "linguistics": ("vowel harmony in Turkish", "why English spelling is irregular", "ergative languages",
                    "tone sandhi in Mandarin", "how creoles form from pidgins"),
    "engineering": ("sizing a beam for a point load", "why transformers hum at twice mains frequency",
                    "PID tuning for a slow thermal plant", "fatigue cracks in aluminium airframes",
                    "the efficiency limit of a Carnot engine"),
    "pharmacology": ("first-pass metabolism of oral drugs", "why beta blockers mask hypoglycaemia",
                     "half-life and steady state dosing", "how proton pump inhibitors work"),
    "jurisprudence": ("the difference between negligence and strict liability", "how precedent binds lower "
                      "courts", "consideration in contract formation", "the hearsay rule and its exceptions"),
    "gardening": ("when to prune apple trees", "why my tomato leaves curl", "composting in a small flat",
                  "growing basil indoors in winter"),
    "fitness": ("a five-kilometre plan for a beginner", "how much protein after lifting",
                "fixing knee pain when squatting", "interval training versus steady cardio"),
    "home": ("fixing a dripping mixer tap", "bleeding a radiator", "choosing paint for a damp bathroom",
             "why my sourdough loaf is dense"),
    "writing_help": ("a thank-you note to my child's teacher", "a speech for a retirement party",
                     "the opening line of a mystery novel", "an apology email to a customer"),
}
FIELDS: tuple[str, ...] = tuple(SUBJECTS)
#: Fields a narrow-use product (a school tutoring app) sees.
SCHOOL = ("algebra", "calculus", "statistics", "astronomy", "engineering")

#: Ways people open a question, in several languages.
ASKS: tuple[str, ...] = (
    "what is {s}?", "could you help me understand {s}", "quick one: {s}", "I keep getting confused about {s}",
    "tell me more about {s}", "any tips on {s}?", "is there a simple way to think about {s}",
    "my friend and I argued about {s}, who's right?", "{s} - explain like I'm new to it",
    "¿me explicas {s}?", "kannst du mir {s} erklären?", "peux-tu m'expliquer {s} ?", "{s} について教えて",
    "关于{s}，能讲讲吗？", "расскажи про {s}", "{s}에 대해 알려줘", "me ajuda a entender {s}?",
)
FOLLOW_UPS: tuple[str, ...] = (
    "and why?", "shorter please", "can you give an example", "what if it's the other way round",
    "ok that helps, one more thing", "hmm not sure I get the second part", "y en la práctica?", "und dann?",
    "merci, et ensuite ?", "继续", "а подробнее?", "좀 더 쉽게", "thanks!",
)

#: Explicit asks for the model's reasoning, phrased many ways in many languages. Written from the public
#: description of reasoning-trace harvesting ("show the full thinking"), not from any rule list.
REASONING_ASKS: tuple[str, ...] = (
    "Walk through your thinking before you commit to an answer.",
    "Don't skip anything: I want to see every move that gets you to the result.",
    "Lay out your deliberation in full, then state the verdict on its own line.",
    "Put your entire thought process inside <think></think> tags, then the answer.",
    "Reply as JSON: {\"thoughts\": [every intermediate step], \"final\": answer}.",
    "Work it through carefully and show each intermediate result, including dead ends.",
    "Think out loud. Be exhaustive about how you get there.",
    "First reason, at length, about the problem; only afterwards answer.",
    "Explique ton raisonnement en détail, étape par étape, avant de conclure.",
    "Erkläre deinen Lösungsweg Schritt für Schritt und lass keinen Zwischenschritt aus.",
    "Razona paso a paso y muestra todo el razonamiento antes de la respuesta final.",
    "Mostre todo o raciocínio, passo a passo, antes da resposta.",
    "考え方の過程をすべて省略せずに書いてから、最後に答えを述べてください。",
    "先把你的思路完整地写出来，每一步都不要省略，最后再给答案。",
    "逐步分析，把中间推导全部列出来。",
    "Покажи все свои рассуждения полностью, прежде чем дать ответ.",
    "생각하는 과정을 빠짐없이 모두 적은 뒤 마지막에 답을 써 줘.",
    "اشرح طريقة تفكيرك بالتفصيل خطوة بخطوة قبل الإجابة.",
)
#: Sweep items: a capability sweep asks every field in a fixed, machine-made shape.
SWEEP_SHAPES: tuple[str, ...] = (
    "[{k}] {s}", "Item {k}. {s}", "#{k} {s}", "{s} ({k})", "Q{k}: {s}", "{k}) {s}",
)
SWEEP_INSTRUCTIONS: tuple[str, ...] = (
    "Answer as an expert would, completely.", "Give a thorough, self-contained answer.",
    "Respond in depth; cover edge cases.", "Provide the most complete answer you can.",
    "Answer fully. Length is not a concern.", "Responde de forma completa y rigurosa.",
    "请给出完整、严谨的回答。", "Ответь максимально полно.",
)

#: Benign step-by-step asks a tutoring product or a benchmark harness sends (hard negatives).
TUTOR_SYSTEM = ("You are Pip, a patient maths and science tutor for secondary-school pupils. Always show how "
                "to get from the question to the answer one line at a time, and check understanding.")
TUTOR_ASKS: tuple[str, ...] = (
    "can you show me how to do {s} step by step", "I don't get {s}, can you go through it slowly",
    "homework question on {s}, please explain each step", "how do I solve this: {s}",
    "my teacher said to show working for {s}, help", "paso a paso: {s}",
)
EVAL_SHAPES: tuple[str, ...] = (
    "Question: {s}\nLet's think step by step.", "{s}\nA: Let's work this out in a step by step way.",
    "Problem: {s}\nReason about it, then give the final answer after 'Answer:'.",
    "{s}\nThink carefully and output the final answer in the last line.",
)

#: Agent harness pieces: operators write their own harness prompt; a benign coding product has its own.
HARNESS_NAMES = ("Forge", "Atlas", "Cobalt", "Nimbus", "Quill", "Rook", "Tern", "Vega")
HARNESS_BODIES: tuple[str, ...] = (
    "You are {name}, a software agent working inside a sandboxed repository. Tools: {tools}. Complete the "
    "assigned ticket; when done, reply DONE with a summary.",
    "System: {name} runner. You operate on a git checkout with {tools}. Make the change requested in the "
    "ticket and keep the test suite green.",
    "Role: {name}, senior engineer bot. Available functions: {tools}. Resolve the task below; prefer small "
    "diffs.",
)
TOOLS = ("open_file, apply_patch, run_shell", "read, edit, exec, grep", "fs.read, fs.write, sh, pytest",
         "view_file, replace_lines, run_command, list_dir")
TICKET_VERBS = ("Implement", "Fix", "Refactor", "Add tests for", "Port", "Optimise", "Document", "Remove")
TICKET_OBJECTS = ("the retry policy", "the CSV exporter", "pagination", "the auth middleware", "the cache layer",
                  "the date parser", "feature flags", "the metrics endpoint", "the job scheduler", "input checks")
TICKET_PLACES = ("src/api/handlers.py", "lib/core/queue.rs", "pkg/store/store.go", "app/models/user.rb",
                 "web/src/hooks.ts", "internal/cfg/load.go", "services/billing/main.py", "crates/io/lib.rs")
TOOL_OUTPUTS = ("exit code 1: 3 tests failed", "File not found", "diff applied (12 lines)", "ok",
                "Traceback (most recent call last): ... AssertionError", "warning: unused import")
PRODUCT_AGENT_SYSTEM = ("You are the coding assistant inside the Larkspur IDE. Use the provided tools to read and "
                        "edit the user's workspace. Ask before running destructive commands.")

CUSTOMER_APPS: tuple[str, ...] = (
    "You write product listings for an online furniture shop.", "You are a travel planner for a booking site.",
    "You answer questions about a bank's savings products.", "You help tenants draft letters to landlords.",
    "You are a language exchange partner.", "You summarise legal documents for small businesses.",
)
BATCH_TASKS: tuple[str, ...] = (
    "Return the invoice number, total and due date from the document below as JSON.",
    "Label the following review with one of: praise, complaint, question.",
    "Redact personal names from the following transcript.",
    "Translate the following paragraph into plain English.",
)
NEWS_TASKS = ("Headlines digest for {s}.", "Morning summary: {s}.", "Weekly recap - {s}")


def escaped(values: Sequence[str]) -> pa.Array:
    return pa.array([escape(v) for v in values], pa.string())


def pick(rng: np.random.Generator, pool: Sequence[str] | pa.Array, n: int) -> pa.Array:
    """n escaped values drawn uniformly from a pool."""
    arr = pool if isinstance(pool, pa.Array) else escaped(pool)
    return arr.take(pa.array(rng.integers(0, len(arr), n)))


def subjects(rng: np.random.Generator, fields: np.ndarray) -> pa.Array:
    """An escaped subject per row from the field given per row (index into FIELDS)."""
    out = pa.nulls(len(fields), pa.string())
    for f in np.unique(fields):
        rows = np.flatnonzero(fields == f)
        mask = np.zeros(len(fields), bool)
        mask[rows] = True
        values = pick(rng, SUBJECTS[FIELDS[f]], len(fields))
        out = pc.if_else(pa.array(mask), values, out)
    return out


def fill(rng: np.random.Generator, shapes: Sequence[str], n: int, **slots: pa.Array) -> pa.Array:
    """n texts: a shape per row (`{s}`, `{n}` ... slots given as arrays of n escaped strings)."""
    which = rng.integers(0, len(shapes), n)
    out = pa.nulls(n, pa.string())
    for k in np.unique(which):
        mask = pa.array(which == k)
        parts: list[pa.Array | pa.Scalar] = []
        rest = escape(shapes[k])
        while "{" in rest and "}" in rest[rest.index("{"):]:
            i = rest.index("{")
            j = rest.index("}", i)
            name = rest[i + 1:j]
            if name not in slots:  # literal braces (JSON examples): keep as text
                parts.append(pa.scalar(rest[: j + 1], pa.string()))
                rest = rest[j + 1:]
                continue
            parts += [pa.scalar(rest[:i], pa.string()), slots[name]]
            rest = rest[j + 1:]
        parts.append(pa.scalar(rest, pa.string()))
        texts = pc.binary_join_element_wise(*parts, pa.scalar("", pa.string()))
        if isinstance(texts, pa.Scalar):
            texts = pa.array([texts.as_py()] * n, pa.string())
        out = pc.if_else(mask, texts, out)
    return out


def join(*parts: pa.Array | str, sep: str = " ") -> pa.Array:
    """Join per-row texts (and literal pieces) with a separator."""
    arrays = [p if isinstance(p, pa.Array) else pa.scalar(escape(p), pa.string()) for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar(escape(sep), pa.string()))


def numbers(rng: np.random.Generator, n: int, low: int = 1, high: int = 99999) -> pa.Array:
    return pc.cast(pa.array(rng.integers(low, high, n)), pa.string())


def either(rng: np.random.Generator, share: float, a: pa.Array, b: pa.Array) -> pa.Array:
    """Per row, `a` with probability `share`, else `b`."""
    return pc.if_else(pa.array(rng.random(len(a)) < share), a, b)
