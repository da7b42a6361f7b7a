from django.conf import settings


def test_settings_in_test_mode():
    assert settings.TESTING
