"""REDCap: the intake instrument as a data dictionary, and record exports read back as forms.

The dictionary has the 18 columns of REDCap's data dictionary CSV, in its order (REDCap's
"Data Dictionary" page; column reference: https://bdeveer.github.io/REDCap_KB_RAG/RC-FD-08_Data-Dictionary-Column-Reference-and-Advanced-Techniques/).
Variable names are the catalogue's field names (lower case, digits and underscores, starting
with a letter, as REDCap requires), the choice codes are the catalogue's values, so a raw export
is already in the contract's terms; a label export (REDCap's rawOrLabel=label) is mapped back.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from triage.assessment import DISCLAIMER
from triage.catalogue import Catalogue, Field
from triage.interop.layout import check_types, sections
from triage.knowledge import KnowledgeBase

COLUMNS = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
]
FORM_NAME = "knee_intake"
RECORD_ID = "record_id"
RECORD_ID_LABEL = "Record ID"
DISCLAIMER_FIELD = "kneetriage_disclaimer"
# Catalogue type -> (REDCap field type, text validation). yesno is REDCap's own 1 = Yes, 0 = No.
FIELD_TYPES = {"yesno": ("yesno", ""), "exam": ("radio", ""), "enum": ("radio", ""),
               "integer": ("text", "integer"), "number": ("text", "number"), "text": ("text", "")}
# Columns REDCap adds to an export that are not questions of the instrument.
_REDCAP_COLUMN = re.compile(r"^(redcap_.*|.*_complete|.*_timestamp|complete\?|survey identifier|survey timestamp)$",
                            re.IGNORECASE)
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _number(x) -> str:
    return "" if x is None else str(int(x)) if float(x) == int(x) else str(x)


def _label(text: str) -> str:
    # " | " separates choices in REDCap's choices column: keep it out of labels.
    return " ".join(str(text).replace("|", "/").split())


def choices(spec: Field) -> str:
    return " | ".join(f"{value}, {_label(spec.label(value))}" for value in spec.choices())


def branching_logic(spec: Field, catalogue: Catalogue) -> str:
    parts = []
    for name, value in (spec.requires or {}).items():
        other = catalogue[name]
        canonical = other.read(value)
        code = ("1" if canonical == "yes" else "0") if other.type == "yesno" else str(canonical)
        parts.append(f"[{name}] = '{code}'")
    return " and ".join(parts)


def dictionary_rows(kb: KnowledgeBase) -> list[dict]:
    check_types(kb, FIELD_TYPES, "FIELD_TYPES in triage/interop/redcap.py")
    catalogue = kb.catalogue
    blank = dict.fromkeys(COLUMNS, "")
    rows = [
        {**blank, "Variable / Field Name": RECORD_ID, "Form Name": FORM_NAME, "Field Type": "text",
         "Field Label": RECORD_ID_LABEL, "Field Note": "The form id in kneetriage's output."},
        {**blank, "Variable / Field Name": DISCLAIMER_FIELD, "Form Name": FORM_NAME, "Field Type": "descriptive",
         "Field Label": DISCLAIMER},
    ]
    for section in sections(kb):
        for position, spec in enumerate(section.fields):
            field_type, validation = FIELD_TYPES[spec.type]
            rows.append({
                **blank,
                "Variable / Field Name": spec.name,
                "Form Name": FORM_NAME,
                "Section Header": section.title if position == 0 else "",
                "Field Type": field_type,
                "Field Label": spec.clinician if spec.is_exam else spec.patient,
                "Choices, Calculations, OR Slider Labels": choices(spec) if field_type == "radio" else "",
                "Field Note": spec.help,
                "Text Validation Type OR Show Slider Number": validation,
                "Text Validation Min": _number(spec.min) if validation else "",
                "Text Validation Max": _number(spec.max) if validation else "",
                "Branching Logic (Show field only if...)": branching_logic(spec, catalogue),
            })
    return rows


def dictionary_csv(kb: KnowledgeBase) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dictionary_rows(kb))
    return buffer.getvalue()


# Reading an export ------------------------------------------------------------------------------

def _key(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


_LABELS: dict[int, tuple] = {}


def _label_maps(catalogue: Catalogue) -> tuple[dict, dict]:
    """Field labels -> names, and per field, choice labels -> codes (once per catalogue)."""
    cached = _LABELS.get(id(catalogue))
    if cached is None or cached[0] is not catalogue:
        cached = _LABELS[id(catalogue)] = (catalogue, _build_label_maps(catalogue))
    return cached[1]


def _unique(pairs) -> dict:
    """key -> value for the keys that occur once: an ambiguous label is left for parse_form to
    reject rather than guessed."""
    found: dict = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return {key: values[0] for key, values in found.items() if len(values) == 1}


def _build_label_maps(catalogue: Catalogue) -> tuple[dict, dict]:
    fields = catalogue.answerable()
    headers = _unique((_key(f.clinician if f.is_exam else f.patient), f.name) for f in fields)
    values = {}
    for spec in fields:
        codes = {_key(v) for v in spec.choices()}
        # A label that is another choice's code would change its meaning: codes win.
        labels = _unique((_key(_label(spec.label(v))), v) for v in spec.choices())
        values[spec.name] = {label: v for label, v in labels.items() if label not in codes or label == _key(v)}
    return headers, values


def contract_of(data: dict, catalogue: Catalogue) -> dict:
    """A REDCap record (raw or label values; variable names or field labels as headers) as a
    contract mapping; ``parse_form`` then checks it like any form."""
    headers, values = _label_maps(catalogue)
    mapping: dict[str, Any] = {}
    for column, raw in data.items():
        name = str(column).strip()
        if name in (RECORD_ID, RECORD_ID_LABEL):
            mapping["form_id"] = raw
            continue
        if name not in catalogue:
            if _REDCAP_COLUMN.match(name):
                continue
            name = headers.get(_key(name), name)   # a label header; else parse_form names it
        value = raw
        if name in values and isinstance(raw, str) and raw.strip() and _key(raw) in values[name]:
            value = values[name][_key(raw)]
        mapping[name] = value
    return mapping
