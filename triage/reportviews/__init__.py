"""The views of a report, one module per part of it, each building its part of ReportContext.

- wording: the reader's wording of answers, rules and advice points, and the citation numbers
  that every part shares (``Wording``);
- banner: the triage banner, the red flags and the warning-sign screen;
- differential: the ranked conditions, the examination tests and the open questions;
- plan: the management plan or the referral advice that replaces it, and the safety-netting.

triage/report.py calls them in reading order, so that citation numbers follow the page.
"""
