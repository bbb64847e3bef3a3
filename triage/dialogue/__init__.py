"""The parts of the questionnaire (triage/questionnaire.py), one job each.

steps: what a front end shows (Question, Checklist) and the words a person may type;
bound: the stop rule's bound on what the open questions could still change (outlook);
selection: which step next, and when to stop; checklists: the warning-sign lists;
questions: a field as a Question, with its choices and why it is asked; reading: a typed
answer as a value; history: back, change and what an answer makes moot; contract: the
answers as an intake form; why: the rules each answer feeds.
"""
