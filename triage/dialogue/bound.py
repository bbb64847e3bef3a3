"""The stop rule's bound: what the open questions could still change (docs/questionnaire.md).

Open-world vs closed-world: the engine reads an unanswered field as "not present". During the
dialogue a field is *open* while it can still be asked, and *closed* once it is answered, was
answered "don't know", or can no longer be asked. A rule is decided when its closed fields
decide it; it is undecided while it waits on open fields. Only undecided rules can still change
the result, so only their open fields are asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from triage.knowledge import KnowledgeBase, RuleSpec
from triage.matching import FALSE, TRUE, UNKNOWN, Item, When, all3, any3
from triage.scoring import alarm_findings, log_odds_bounds, logit


@dataclass(frozen=True)
class Outlook:
    """What the unanswered questions could still change: a conservative bound.

    ``most_urgent`` and ``least_urgent`` bracket every triage level that some way of answering
    the open questions could reach; ``tops`` holds every top condition that could result (None:
    no condition named). When the bracket is one level and ``tops`` one value, no answer can
    change the result, and the questionnaire stops.
    """

    most_urgent: str
    least_urgent: str
    tops: frozenset
    open_fields: frozenset
    live_fields: frozenset      # open fields whose answer could move a bound
    where_open: bool = False    # where it hurts could still be given (or still be missing)

    @property
    def level_settled(self) -> bool:
        return self.most_urgent == self.least_urgent

    @property
    def settled(self) -> bool:
        return self.level_settled and len(self.tops) == 1



# --- three-valued evaluation with closed fields ------------------------------------------------

def _not(value) -> Any:
    return UNKNOWN if value is UNKNOWN else (not value)


def _item(item: Item, answers, open_fields, conclusions) -> Any:
    if item.concluded is not None:
        return conclusions.get(item.concluded, FALSE)
    if item.field in open_fields:
        return UNKNOWN
    return item.holds(answers.get(item.field))   # closed and unanswered: not present


def _when(when: When, answers, open_fields, conclusions) -> Any:
    parts = [_item(i, answers, open_fields, conclusions) for i in when.all]
    if when.any:
        parts.append(any3(_item(i, answers, open_fields, conclusions) for i in when.any))
    # Unlike the what-if ordering, a `none` over an open field is undecided: the answer could block.
    parts += [_not(_item(i, answers, open_fields, conclusions)) for i in when.none]
    return all3(parts)


def rule_truths(kb: KnowledgeBase, answers: Mapping[str, Any], open_fields) -> dict[str, Any]:
    """Truth of every rule (TRUE, FALSE or UNKNOWN = undecided), conclusions included."""
    conclusions: dict[str, Any] = {}
    truths: dict[str, Any] = {}
    rules = kb.rules_of("conclusion")
    for _ in range(len(rules) + 1):   # conclusions chain: iterate to the fixpoint
        new: dict[str, Any] = {}
        for rule in rules:
            t = _when(rule.when, answers, open_fields, conclusions)
            truths[rule.id] = t
            new[rule.concludes] = any3([new.get(rule.concludes, FALSE), t])
        if new == conclusions:
            break
        conclusions = new
    for rule in kb.rules:
        if rule.kind != "conclusion":
            truths[rule.id] = _when(rule.when, answers, open_fields, conclusions)
    return truths


def _waiting_on(kb: KnowledgeBase, rule: RuleSpec, open_fields, truths, seen=()) -> set[str]:
    """The open fields an undecided rule waits on, through undecided conclusions too."""
    fields = {i.field for i in rule.when.items() if i.field is not None and i.field in open_fields}
    for name in rule.when.conclusions():
        if name in seen:
            continue
        for source in kb.rules_of("conclusion"):
            if source.concludes == name and truths[source.id] is UNKNOWN:
                fields |= _waiting_on(kb, source, open_fields, truths, seen + (name,))
    return fields


def outlook(kb: KnowledgeBase, answers: Mapping[str, Any], open_fields) -> Outlook:
    """Bound the triage levels and top conditions that the open fields could still lead to.

    Each undecided rule is assumed free to fire or not, independently of the others; that can
    only over-state what may change, never under-state it, so a settled outlook is really settled.
    """
    open_fields = frozenset(open_fields)
    truths = rule_truths(kb, answers, open_fields)
    rank = {lv.id: lv.rank for lv in kb.levels}
    consultation, self_care = rank["consultation"], rank["self_care"]

    # Red flags: a decided-true rule sets a level for sure; an undecided one may.
    certain = [rank[r.level] for r in kb.rules_of("red_flag") if truths[r.id] is TRUE]
    maybe = [rank[r.level] for r in kb.rules_of("red_flag") if truths[r.id] is UNKNOWN]
    # An alarm finding alone asks for a consultation (triage/assess.py), unless its flag fired.
    for (name, value) in alarm_findings(kb):
        if answers.get(name) == value:
            certain.append(consultation)
        elif name in open_fields:
            maybe.append(consultation)

    # The differential: each condition's log-odds lies between these bounds.
    # (With the population priors and the evidence groups' caps, as score_conditions applies them.)
    low, high = log_odds_bounds(kb, answers, truths, open_fields)

    # The warning-sign screen and the history basics (rules/screen.yml, as assess() applies
    # them): an item that could end unanswered may keep the form at a consultation; one that
    # surely ends unanswered (closed, or answered "don't know") does.
    screen_open: set[str] = set()
    for item in kb.screen.items + kb.screen.history:
        could_be = possible_truths(kb, item.clear, answers, open_fields)
        if could_be == {UNKNOWN}:
            certain.append(consultation)
        elif UNKNOWN in could_be:
            maybe.append(consultation)
            screen_open |= item.clear.fields() & open_fields
    # Without where it hurts a condition is named only if it is likely all the same (assess:
    # otherwise insufficient information).
    where = next((i for i in kb.screen.history if i.id == "where"), None)
    where_could_be = possible_truths(kb, where.clear, answers, open_fields) if where else {TRUE}
    enough_keys_possible = TRUE in where_could_be
    too_few_keys_possible = UNKNOWN in where_could_be or FALSE in where_could_be

    policy = kb.policy
    threshold = logit(policy["likely"])

    refer = set(policy.get("refer_conditions", ()))
    # The posterior at which each condition is named: "likely", or "suspected" for a refer
    # condition that leads (assess._triage).
    name_at = {c: logit(policy["suspected"]) if c in refer and "suspected" in policy else threshold
               for c in low}

    def leads_surely(condition: str) -> bool:
        return all(low[condition] >= high[other] for other in low if other != condition)

    def could_lead(condition: str) -> bool:
        # Could this condition end on top and be named?
        return ((enough_keys_possible or high[condition] >= threshold) and high[condition] >= name_at[condition]
                and all(high[condition] >= low[other] for other in low if other != condition))

    tops = {c for c in low if could_lead(c)}
    # Some condition is surely named when one is surely likely (whichever then leads is likely
    # too), or a refer condition surely leads at its "suspected" bar.
    surely_named = (max(low.values()) >= threshold
                    or any(low[c] >= name_at[c] and leads_surely(c) for c in refer & set(low)))
    if (too_few_keys_possible and max(low.values()) < threshold) or not surely_named:
        tops.add(None)   # the form could end with no condition named
    outcome = set()
    if tops & (set(low) - refer):
        outcome.add(self_care)
    if None in tops or tops & refer:
        outcome.add(consultation)
    # A flag that names another cause withholds the label (assess._triage). It leaves the level
    # as it was: its own level is among the red flags above, and the differential's is kept.
    other_cause = [truths[r.id] for r in kb.rules_of("red_flag") if r.other_cause]
    if TRUE in other_cause:
        tops = {None}
    elif UNKNOWN in other_cause:
        tops.add(None)

    most_urgent = min(certain + maybe + sorted(outcome))
    least_urgent = min(certain + [max(outcome)])

    # The open fields whose answer could move either bound: those of undecided evidence rules,
    # of undecided red flags more urgent than the least urgent level, alarm findings and open
    # screen items when they would raise it, and where it hurts while no condition can be named.
    live: set[str] = set()
    for rule in kb.rules:
        if truths[rule.id] is not UNKNOWN or rule.kind == "conclusion":
            continue
        # A flag that names another cause moves the top condition even at the level reached.
        names_other = rule.kind == "red_flag" and rule.other_cause and tops - {None}
        if rule.kind == "evidence" or rank[rule.level] < least_urgent or names_other:
            live |= _waiting_on(kb, rule, open_fields, truths)
    if consultation < least_urgent:
        live |= {name for (name, _value) in alarm_findings(kb) if name in open_fields}
        live |= screen_open
    if too_few_keys_possible and enough_keys_possible:
        live |= where.clear.fields() & open_fields
    by_rank = {lv.rank: lv.id for lv in kb.levels}
    return Outlook(most_urgent=by_rank[most_urgent], least_urgent=by_rank[least_urgent],
                   tops=frozenset(tops), open_fields=open_fields, live_fields=frozenset(live),
                   where_open=too_few_keys_possible and enough_keys_possible)


def _possible_kleene(sets: list[set], stop: Any, go: Any) -> set:
    """The truths a Kleene AND (stop=FALSE, go=TRUE) or OR (stop=TRUE, go=FALSE) of items can
    take, each item's possible truths given as a set."""
    out = set()
    if any(stop in s for s in sets):
        out.add(stop)
    if all(go in s for s in sets):
        out.add(go)
    if all(s - {stop} for s in sets) and any(UNKNOWN in s for s in sets):
        out.add(UNKNOWN)
    return out


def possible_truths(kb: KnowledgeBase, when: When, answers: Mapping[str, Any], open_fields) -> set:
    """Every truth (TRUE, FALSE, UNKNOWN) that ``when.truth`` could take once the open fields are
    answered or answered "don't know"; a closed unanswered field stays unanswered.

    Each item is taken as free of the others, so the set can only be too large, never too small
    (the same conservative bound as ``outlook``). Used for the screen items (no conclusions).
    """
    def of(item: Item) -> set:
        if item.field is not None and item.field in open_fields:
            choices = kb.catalogue[item.field].choices()
            return ({item.holds(v) for v in choices} if choices else {TRUE, FALSE}) | {UNKNOWN}
        return {item.truth(answers, {})}

    result_all = _possible_kleene([of(i) for i in when.all], stop=FALSE, go=TRUE)
    result_any = _possible_kleene([of(i) for i in when.any], stop=TRUE, go=FALSE) if when.any else {TRUE}
    # `none`: an item that holds blocks; an unanswered field never blocks (When.truth).
    nones = [of(i) for i in when.none]
    can_block = any(TRUE in s for s in nones)
    can_pass = all(s - {TRUE} for s in nones)
    out = set()
    if FALSE in result_all or FALSE in result_any or can_block:
        out.add(FALSE)
    if can_pass and TRUE in result_all and TRUE in result_any:
        out.add(TRUE)
    if can_pass and result_all - {FALSE} and result_any - {FALSE} and UNKNOWN in result_all | result_any:
        out.add(UNKNOWN)
    return out

