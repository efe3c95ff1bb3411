"""StaffML: an ML-systems interview playbook whose every number is recomputed."""

from .bank import Bank, BankError, LoadedQuestion
from .schema import Area, Level, Question, Track

__all__ = ["Area", "Bank", "BankError", "Level", "LoadedQuestion", "Question", "Track"]
__version__ = "0.1.0"
