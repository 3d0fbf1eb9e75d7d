"""Kept only for tests/test_invoice_pdf.py, whose classes are not built on `ClientHubCommon`
(this mixin also makes the clients): delete it once they derive from `.common`'s
`StatementHttpCommon`."""

from . import common
from .common import ClientHubFixtures, StatementHttpMixin

__all__ = ["StatementFixtures", "StatementHttpMixin"]


class StatementFixtures(ClientHubFixtures, common.StatementFixtures):
    @classmethod
    def _setup_statement_documents(cls):
        cls._setup_clients()
        return super()._setup_statement_documents()

    @classmethod
    def _setup_statement_fixtures(cls):
        cls._setup_statement_documents()
        cls._setup_stripe_provider()
