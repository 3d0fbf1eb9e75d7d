from . import test_client_profile
