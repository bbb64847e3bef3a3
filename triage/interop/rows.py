"""The one hook into the batch readers: rows that hold FHIR resources or REDCap records become
contract forms, so everything downstream (validation, scoring, error rows) is unchanged.

A Bundle becomes one row per entry. A row that is neither passes through untouched, and the
FHIR models are only imported once a resource is seen.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from triage.catalogue import load_catalogue

# REDCap's record id column, as a raw header and as a label header.
REDCAP_ID_COLUMNS = ("record_id", "Record ID")


def adapt_rows(rows: Iterable, catalogue=None) -> Iterator:
    """The rows (triage.batch.readers.Row) with FHIR and REDCap content as contract forms."""
    extra = 0          # entries of Bundles read so far beyond their own row (renumbers the rest)
    for row in rows:
        if extra:
            row = row._replace(number=row.number + extra)
        data = row.data
        if isinstance(data, dict) and "resourceType" in data:
            from triage.interop import response

            resources = response.resources_of(data)
            if not resources:
                resources = [None]      # an empty Bundle is still a row: an error row
            for offset, resource in enumerate(resources):
                yield _fhir_row(row._replace(number=row.number + offset), resource, catalogue)
            extra += len(resources) - 1
        elif isinstance(data, dict) and any(column in data for column in REDCAP_ID_COLUMNS):
            from triage.interop import redcap

            yield row._replace(data=redcap.contract_of(data, catalogue or load_catalogue()))
        else:
            yield row


def _fhir_row(row, resource, catalogue):
    from triage.forms import Problem
    from triage.interop import response

    if resource is None:
        return row._replace(data=None, problems=(Problem(
            "entry", None, "the Bundle holds no resource", accepted=response.ACCEPTED_RESOURCES),))
    mapping, problems, form_id = response.contract_of(resource, catalogue or load_catalogue())
    if problems:
        return row._replace(data=None, problems=tuple(problems), form_id=form_id)
    return row._replace(data=mapping)
