"""Researcher sign-in is throttled (django-axes): after five wrong passwords for one account,
or from one address, signing in there is paused with a clear page, the failures are logged,
and the operator can unlock at once."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client, override_settings

from tests.base import DyadTestCase

LOGIN = "/accounts/login/"


class SignInThrottleTests(DyadTestCase):
    def sign_in(self, username: str, password: str, address: str = "10.0.0.1", **headers):
        client = Client(REMOTE_ADDR=address, **headers)
        response = client.post(LOGIN, {"username": username, "password": password})
        return response, client

    def signed_in(self, client: Client) -> bool:
        return "_auth_user_id" in client.session

    def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(self):
        for _ in range(5):
            response, _ = self.sign_in("rita", "guess")
            assert response.status_code in (200, 429)
        response, client = self.sign_in("rita", "rita-pass-123", address="10.0.0.2")
        assert response.status_code == 429
        assert "Sign-in paused" in response.content.decode()
        assert "15 minutes" in response.content.decode()
        assert response["Retry-After"] == "900"
        assert not self.signed_in(client)

    def test_an_account_under_the_limit_still_signs_in_and_starts_afresh(self):
        for _ in range(4):
            self.sign_in("rita", "guess")
        response, client = self.sign_in("rita", "rita-pass-123")
        assert response.status_code == 302 and self.signed_in(client)
        for _ in range(4):
            self.sign_in("rita", "guess")
        response, client = self.sign_in("rita", "rita-pass-123")
        assert response.status_code == 302 and self.signed_in(client)

    def test_one_address_guessing_many_accounts_is_paused_and_others_are_not(self):
        for name in ("a1", "a2", "a3", "a4", "a5"):
            self.sign_in(name, "guess", address="203.0.113.7")
        response, client = self.sign_in("omar", "omar-pass-123", address="203.0.113.7")
        assert response.status_code == 429 and not self.signed_in(client)
        response, client = self.sign_in("omar", "omar-pass-123", address="198.51.100.4")
        assert response.status_code == 302 and self.signed_in(client)

    def test_the_operator_unlocks_an_account_at_once(self):
        for _ in range(6):
            self.sign_in("rita", "guess", address="203.0.113.9")
        call_command("axes_reset_username", "rita", verbosity=0)
        response, client = self.sign_in("rita", "rita-pass-123")
        assert response.status_code == 302 and self.signed_in(client)

    def test_failures_are_logged(self):
        with self.assertLogs("axes", level="WARNING") as logged:
            self.sign_in("rita", "guess")
        assert any("rita" in line for line in logged.output)

    @override_settings(TRUSTED_PROXIES=1)
    def test_behind_the_proxy_a_forged_forwarded_address_does_not_escape_the_pause(self):
        for n in range(5):  # nginx appends the address it saw: the forged part stays left
            forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.7"}
            self.sign_in(f"x{n}", "guess", address="127.0.0.1", **forged)
        forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.99, 203.0.113.7"}
        response, _ = self.sign_in("omar", "omar-pass-123", address="127.0.0.1", **forged)
        assert response.status_code == 429
        other = {"HTTP_X_FORWARDED_FOR": "198.51.100.4"}  # another person, same proxy
        response, client = self.sign_in("omar", "omar-pass-123", address="127.0.0.1", **other)
        assert response.status_code == 302 and self.signed_in(client)
