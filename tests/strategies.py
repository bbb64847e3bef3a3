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
