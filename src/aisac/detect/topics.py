"""Topic breadth without a keyword list: prompts as hashed character n-gram vectors, clustered per log.

Distillers sweep the whole capability surface; a person or a product stays in a few subjects. Instead of a
hand-written taxonomy (which ends up mirroring whatever data it was written against), each log's sampled
prompts are embedded as TF-IDF-weighted hashed character trigrams (any language, no tokenizer), randomly
projected to a few dozen dimensions and clustered with k-means; an account's breadth is how many distinct clusters
its prompts fall into, per prompt read. Words every account uses (a harness's fixed instruction, a
sweep's format line) weigh little under IDF, so clusters follow subject matter more than boilerplate.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

#: Clusters per log, and prompts per account read for breadth (a share of distinct clusters needs few).
CLUSTERS = 40
PER_ACCOUNT = 12
#: Accounts with fewer sampled prompts get no breadth (NULL): too few to tell a sweep from a chat.
MIN_PROMPTS = 4
#: Characters of each prompt read: the question, not a pasted document.
PREFIX = 300


def breadth(con: duckdb.DuckDBPyConnection, seed: int = 0) -> pa.Table:
    """`account, topic_breadth, topic_prompts` from `_content` (needs its `text` column)."""
    rows = con.sql(
        f"""
        SELECT account, text FROM (
            SELECT account, text, row_number() OVER (PARTITION BY account ORDER BY hash(text)) AS k FROM _content
            WHERE text IS NOT NULL AND length(text) > 0)
        WHERE k <= {PER_ACCOUNT}
        """
    ).to_arrow_table()
    empty = pa.table(
        {
            "account": pa.array([], pa.string()),
            "topic_breadth": pa.array([], pa.float64()),
            "topic_prompts": pa.array([], pa.int64()),
        }
    )
    if rows.num_rows < CLUSTERS * 4:
        return empty
    labels = cluster(rows["text"].to_pylist(), seed)
    accounts, inverse = np.unique(rows["account"].to_numpy(zero_copy_only=False), return_inverse=True)
    n = np.bincount(inverse)
    distinct = np.zeros(len(accounts))
    pairs = np.unique(inverse * CLUSTERS + labels)
    np.add.at(distinct, pairs // CLUSTERS, 1)
    value = np.where(n >= MIN_PROMPTS, distinct / np.minimum(n, PER_ACCOUNT), np.nan)
    return pa.table(
        {
            "account": pa.array(accounts, pa.string()),
            "topic_breadth": pa.array(value, from_pandas=True),
            "topic_prompts": pa.array(n, pa.int64()),
        }
    )


def cluster(texts: list[str], seed: int = 0) -> np.ndarray:
    """Cluster label per text: hashed char trigrams, TF-IDF, a 64-dimensional random projection, k-means."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.random_projection import SparseRandomProjection

    hashed = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 3), n_features=1 << 14, alternate_sign=False, norm=None, lowercase=True
    ).transform(texts)
    weighted = TfidfTransformer(sublinear_tf=True).fit_transform(hashed)
    dense = np.asarray(SparseRandomProjection(64, random_state=seed, dense_output=True).fit_transform(weighted))
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-9)
    return MiniBatchKMeans(CLUSTERS, random_state=seed, n_init=1, batch_size=4096).fit_predict(dense)
