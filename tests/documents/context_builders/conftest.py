from tests.documents.context_builders.psa import psa, synced_psa  # noqa: F401
