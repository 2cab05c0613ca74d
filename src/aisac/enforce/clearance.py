"""What an upheld appeal allow-lists: the exact evidence the analyst reviewed, not the account's class.

The link keys the account was tied by stop counting for it, its signatures and detector flag are cleared,
and its behaviour counts again only once its score exceeds the reviewed one by ALLOW_MARGIN. Anything
new (another card, a new signature, much worse behaviour) acts on the account as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from aisac.enforce.state import AllowEntry

#: After an upheld appeal, the behaviour score counts again only once it exceeds what the analyst saw by this.
ALLOW_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Clearance:
    """The exact evidence allow-listed by upheld appeals: these link keys, these signatures, the detector's
    flag, and behaviour up to the score the analyst reviewed. Anything beyond it still counts."""

    keys: frozenset[str]
    score_ceiling: float
    signatures: frozenset[str]
    detector: bool

    @classmethod
    def of(cls, entries: tuple[AllowEntry, ...]) -> Clearance:
        return cls(
            frozenset(k for e in entries for k in e.get("keys", ())),
            max(float(e.get("account_score", 0.0)) for e in entries),
            frozenset(x for e in entries for x in e.get("signatures", ())),
            any(e.get("detector_flagged") for e in entries),
        )

    def apply(self, score: float, sigs: frozenset[str], flagged: bool) -> tuple[float, frozenset[str], bool]:
        return (
            0.0 if score <= self.score_ceiling + ALLOW_MARGIN else score,
            sigs - self.signatures if self.signatures else sigs,
            flagged and not self.detector,
        )
