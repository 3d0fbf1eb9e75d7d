from . import report_client_statement
