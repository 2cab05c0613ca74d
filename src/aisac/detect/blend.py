"""Blended accounts: shared keys (resellers, routers, relays) whose traffic mixes an extraction sweep in.

A relay's score as a whole account stays low: most of its requests are real customers'. What gives it away is
its share of requests that look like extraction. Per log, a text classifier (hashed character trigrams, any
language, no keyword list) learns what the requests of the accounts the detector already flagged look like,
against those of the accounts it cleared; each shared key's sampled requests are then judged one by one.

A shared key is an account whose sample carries several applications' system prompts (its end users' own
prompts). A legitimate router has some users who ask for worked reasoning, scattered; a relay that runs a
sweep has a material share of sweep-like requests. The share is judged by its lower confidence bound, so a
handful of look-alike requests in a small sample never flags a router.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

#: A shared key: at least this many distinct system prompts among its sampled requests (several applications).
SOURCES_MIN = 3
#: Requests read per account to learn what flagged and cleared traffic looks like (bounded cost per account).
TRAIN_PER_ACCOUNT = 12
#: An extraction share is material when its lower confidence bound reaches a tenth of the account's traffic.
MATERIAL = 0.1
#: z of the one-sided lower bound (Wilson) on the share: about 99.9% confidence.
CONFIDENCE_Z = 3.1
#: Sampled requests a shared key needs before its share is judged.
MIN_SAMPLED = 20


@dataclass(frozen=True)
class Blend:
    """A shared key with a material extraction share."""

    account: str
    share: float  # estimated share of its requests that are extraction
    read: int  # sampled requests judged
    hits: int  # ... of which judged extraction
    requests: int  # all its requests in the log

    @property
    def reason(self) -> str:
        return (
            f"{self.share:.0%} of {self.requests:,} requests are capability sweeps like the flagged accounts' "
            f"({self.hits} of {self.read} read; the rest is its end users' own traffic)"
        )


def wilson_lower(hits: int, n: int, z: float = CONFIDENCE_Z) -> float:
    """Lower Wilson bound of a binomial share: what the share is at least, given how few requests were read."""
    if n == 0:
        return 0.0
    p = hits / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def shared_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Accounts whose sample carries several applications' system prompts (needs `_content`)."""
    rows = con.execute(
        f"""SELECT account FROM _content GROUP BY account
            HAVING count(DISTINCT system_prompt) >= {SOURCES_MIN} AND count(*) >= {MIN_SAMPLED} ORDER BY account"""
    ).fetchall()
    return [r[0] for r in rows]


def find(con: duckdb.DuckDBPyConnection, ids: list[str], flagged: np.ndarray, seed: int = 0) -> list[Blend]:
    """Shared keys (not already flagged) whose share of flagged-like requests is material."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    if "_content" not in tables or not flagged.any() or flagged.all():
        return []
    flagged_set = {a for a, f in zip(ids, flagged, strict=True) if f}
    candidates = [a for a in shared_keys(con) if a not in flagged_set]
    if not candidates:
        return []
    con.register("_blend_flag", pa.table({"account": ids, "flag": flagged}))
    con.register("_blend_cand", pa.table({"account": candidates}))
    train = con.sql(
        f"""
        SELECT flag, text FROM (
            SELECT c.account, c.text, row_number() OVER (PARTITION BY c.account ORDER BY hash(c.text)) AS k
            FROM _content c ANTI JOIN _blend_cand USING (account)
            WHERE c.text IS NOT NULL AND length(c.text) > 0)
        JOIN _blend_flag USING (account) WHERE k <= {TRAIN_PER_ACCOUNT}
        """
    ).to_arrow_table()
    judged = con.sql(
        """SELECT account, text FROM _content JOIN _blend_cand USING (account)
           WHERE text IS NOT NULL AND length(text) > 0 ORDER BY account"""
    ).to_arrow_table()
    totals = dict(
        con.execute("SELECT account, count(*) FROM _req JOIN _blend_cand USING (account) GROUP BY 1").fetchall()
    )
    con.unregister("_blend_flag")
    con.unregister("_blend_cand")
    y = train["flag"].to_numpy(zero_copy_only=False).astype(bool)
    if y.all() or not y.any() or judged.num_rows == 0:
        return []
    predicted = _classify(train["text"].to_pylist(), y, judged["text"].to_pylist(), seed)
    accounts = judged["account"].to_numpy(zero_copy_only=False)
    out = []
    for account in np.unique(accounts):
        mine = predicted[accounts == account]
        n, hits = len(mine), int(mine.sum())
        if n >= MIN_SAMPLED and wilson_lower(hits, n) >= MATERIAL:
            out.append(Blend(str(account), hits / n, n, hits, int(totals.get(account, n))))
    return out


def _classify(texts: list[str], y: np.ndarray, judge: list[str], seed: int) -> np.ndarray:
    """Per text to judge: does it read like the flagged accounts' requests (balanced logistic regression)?"""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    vectoriser = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 3), n_features=1 << 16, alternate_sign=False, norm=None, lowercase=True
    )
    tfidf = TfidfTransformer(sublinear_tf=True)
    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    model.fit(tfidf.fit_transform(vectoriser.transform(texts)), y)
    return model.predict(tfidf.transform(vectoriser.transform(judge))).astype(bool)
