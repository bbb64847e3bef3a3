"""Hypothesis strategies for valid intake forms, built from the field catalogue."""

from hypothesis import strategies as st

from triage.catalogue import load_catalogue

UNKNOWN = st.sampled_from([None, "", "unknown"])


def value_of(field):
    if field.type == "yesno":
        return st.one_of(st.sampled_from(["yes", "no", "Y", "n", "true", "0"]), UNKNOWN)
    if field.type == "exam":
        return st.sampled_from(["positive", "negative", "not_done", None])
    if field.type == "enum":
        return st.one_of(st.sampled_from(list(field.values)), UNKNOWN)
    if field.type == "integer":
        return st.one_of(st.integers(int(field.min), int(field.max)), st.none())
    if field.type == "number":
        return st.one_of(st.floats(field.min, field.max, allow_nan=False), st.none())
    return st.text(max_size=20)


def forms(min_size=0):
    """Any valid form: a random subset of fields, each with a valid spelling of a value."""
    catalogue = load_catalogue()
    return st.fixed_dictionaries({}, optional={f.name: value_of(f) for f in catalogue.answerable()}).filter(
        lambda d: len(d) >= min_size)


def _spellings(field, thresholds) -> list:
    """The values a compact form picks from: every spelling forms() draws for a choice field;
    for a number its limits and every rule threshold on it, with the values just beside them."""
    if field.type == "yesno":
        return ["yes", "no", "Y", "n", "true", "0", None, "", "unknown"]
    if field.type == "exam":
        return ["positive", "negative", "not_done", None]
    if field.type == "enum":
        return list(field.values) + [None, "", "unknown"]
    if field.type in ("integer", "number"):
        step = 1 if field.type == "integer" else 0.01
        points = {field.min, field.max, *thresholds}
        near = {round(p + d, 2) for p in points for d in (-step, 0, step)}
        kind = int if field.type == "integer" else float
        return sorted(kind(p) for p in near if field.min <= p <= field.max and kind(p) == p) + [None]
    return ["", "a note"]


def compact_forms():
    """Valid forms drawn as one byte per field, so that thousands are cheap to generate
    (forms() makes several draws per field). A byte below 128 leaves the field out, so
    hypothesis shrinks a failing form towards the fewest answers."""
    from triage.knowledge import load_knowledge

    kb = load_knowledge()
    thresholds: dict[str, set] = {}
    for rule in kb.rules:
        for item in rule.when.items():
            if item.field is not None:
                thresholds.setdefault(item.field, set()).update(v for v in (item.min, item.max) if v is not None)
    fields = [(f.name, _spellings(f, thresholds.get(f.name, ()))) for f in kb.catalogue.answerable()]

    def form(data: bytes) -> dict:
        return {name: values[(byte - 128) % len(values)]
                for (name, values), byte in zip(fields, data) if byte >= 128}

    return st.binary(min_size=len(fields), max_size=len(fields)).map(form)
