"""An answer that comes with proposals never tells the user they are done.

A model may write "Done: I added a note to every deal" in the very step that only *proposed*
those notes. The user must not read that as fact above a card that says nothing has changed.
So, in a turn that proposed writes:

- each sentence of the model's text that claims a change was made is replaced by
  :data:`NOT_DONE` (the rest of the text is kept);
- the app adds its own statement, built from the proposals themselves: what was proposed and
  that nothing changes in Affinity until Approve (:func:`proposal_statement`).

The same rule is applied to the streamed answer (:class:`ClaimGuard`, which holds back a claiming
sentence, and what follows it, until the turn's outcome is known) and to the final text
(:func:`honest_answer`), so a DM stream and a posted answer read the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.agent.describe import ProposedWrite

NOT_DONE = "_(Not done: nothing has changed yet; the change is only proposed, see below.)_"
STATEMENT_ITEMS = 5

_VERBS = (
    r"added|logged|created|updated|saved|posted|recorded|written|wrote|put|moved|linked|"
    r"renamed|changed|attached|removed|deleted|made|set|noted|entered"
)
_CLAIM = re.compile(
    rf"""\b(?:
        done | completed? | all\ set | successfully
      | (?:i|we)(?:['\u2019]ve|\ have)?\s+(?:now\s+|just\s+|also\s+|already\s+)*(?:{_VERBS})
      | (?:has|have|was|were|is|are)\s+(?:now\s+|been\s+|already\s+)*(?:{_VERBS})
    )\b""",
    re.I | re.X,
)
_NOT_A_CLAIM = re.compile(
    r"\b(?:not|nothing|no|never|until|once|pending|propos\w*|queued?|approv\w*|will|would|"
    r"can|could|shall|should|ready|prepared?|draft\w*|if|when|before)\b|n['\u2019]t\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?:;])[ \t]+|\n")


def claims_done(sentence: str) -> bool:
    """True when ``sentence`` says a change was made (and does not hedge it as pending)."""
    return bool(_CLAIM.search(sentence)) and not _NOT_A_CLAIM.search(sentence)


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end, separators kept, so ``"".join`` gives it back."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def replace_claims(text: str) -> str:
    """Each claiming sentence replaced by :data:`NOT_DONE` (once for a run of them)."""
    out: list[str] = []
    replaced = False
    for piece in split_sentences(text):
        body = piece.rstrip()
        if claims_done(body):
            if not replaced:
                out.append(NOT_DONE + piece[len(body) :])
            replaced = True
        else:
            out.append(piece)
            replaced = replaced and not body
    return "".join(out)


def proposal_statement(proposals: Sequence[ProposedWrite]) -> str:
    """The app's own words on what was proposed: from the proposals, never from the model."""
    n = len(proposals)
    head = (
        "*Not done yet: nothing in Affinity has changed.* "
        + ("This change waits" if n == 1 else f"These {n} changes wait")
        + " for you to click Approve on the card below:"
    )
    lines = [f"• {p.description}" for p in proposals[:STATEMENT_ITEMS]]
    if n > STATEMENT_ITEMS:
        lines.append(f"• …and {n - STATEMENT_ITEMS} more on the card")
    return "\n".join([head, *lines])


def honest_answer(text: str, proposals: Sequence[ProposedWrite]) -> str:
    """The answer as shown with a card: claims replaced, the app's statement added."""
    if not proposals:
        return text
    body = replace_claims(text).strip()
    statement = proposal_statement(proposals)
    return f"{body}\n\n{statement}" if body else statement


class ClaimGuard:
    """Sits in front of the streamed answer: passes text on sentence by sentence, and from the
    first sentence that claims a change holds everything back until :meth:`finish` knows
    whether the turn proposed writes."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._pending = ""  # an unfinished sentence
        self._held = ""  # from the first claiming sentence on
        self._shown = ""  # the last text passed on (to separate the app's statement)

    def __call__(self, text: str) -> None:
        self._pending += text
        ends = [m.end() for m in _SENTENCE_END.finditer(self._pending)]
        if not ends:
            return
        complete, self._pending = self._pending[: ends[-1]], self._pending[ends[-1] :]
        for piece in split_sentences(complete):
            if self._held or claims_done(piece):
                self._held += piece
            else:
                self._pass(piece)

    def _pass(self, text: str) -> None:
        self._sink(text)
        self._shown = text

    def end_step(self) -> None:
        """A model step ended: its last words form a sentence even without a full stop."""
        if self._pending:
            piece, self._pending = self._pending, ""
            if self._held or claims_done(piece):
                self._held += piece
            else:
                self._pass(piece)

    def finish(self, proposals: Sequence[ProposedWrite]) -> None:
        """Release what was held (claims replaced when there are proposals) and, with
        proposals, the app's statement."""
        rest = self._held + self._pending
        self._held = self._pending = ""
        if proposals:
            rest = replace_claims(rest)
        if rest:
            self._pass(rest)
        if proposals:
            shown = self._shown.rstrip(" \t")
            lead = "" if not shown else "\n" if shown.endswith("\n") else "\n\n"
            self._pass(lead + proposal_statement(proposals))
