"""Reads of training, evaluations, assessments and the dossier."""
