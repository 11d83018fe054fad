"""The parts of django-allauth that Outreach uses: sign-in by emailed code, sign-up, addresses.

Outreach has no passwords, so the password login, set, change and reset flows and the
re-authentication screens (which would ask for a password or a second code) are not mounted at
all. New allauth releases add URLs to its own list; listing ours here means none appears
unnoticed (the permission matrix test names each of these).
"""

from allauth.account import views
from django.urls import path

urlpatterns = [
    # The sign-in page asks for an address and emails a code; there is no password form.
    path("login/", views.request_login_code, name="account_login"),
    path("login/code/", views.request_login_code, name="account_request_login_code"),
    path("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    path("logout/", views.logout, name="account_logout"),
    path("inactive/", views.account_inactive, name="account_inactive"),
    path("signup/", views.signup, name="account_signup"),
    path("email/", views.email, name="account_email"),
    path("confirm-email/", views.email_verification_sent, name="account_email_verification_sent"),
]
