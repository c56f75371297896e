"""The draft pre-check moved to the package knowledge/draft_check/; this name still imports it."""
from knowledge.draft_check import *  # noqa: F401,F403
from knowledge.draft_check import __all__  # noqa: F401
