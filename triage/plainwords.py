"""Text written for clinicians, with conditions, red flags and warning signs renamed by the
titles a runner is given (rules/: each has a ``patient_title`` or ``patient`` wording).

Shared by the patient report and the runner's result in ``ask``, so both say the same."""

from __future__ import annotations

import re

from triage.knowledge import KnowledgeBase


def in_patient_words(kb: KnowledgeBase, text: str) -> str:
    pairs = [(s.title, s.patient_title) for s in [*kb.conditions, *kb.flags]]
    pairs += [(i.title, i.patient) for i in kb.screen.items]
    # The longest title first, so that a title inside another is not renamed half-way.
    for title, patient in sorted(pairs, key=lambda pair: -len(pair[0])):
        def name(match, patient=patient):
            start = match.start() == 0 or text[:match.start()].rstrip().endswith((".", ":", "("))
            return patient if start else patient[:1].lower() + patient[1:]
        text = re.sub(re.escape(title), name, text)
    return text
