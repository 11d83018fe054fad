"""allauth's own texts that people read in Outreach's sign-in flows and that no template of ours
replaces: labels and errors from allauth's Python code, and the subjects of its emails.

Listing them here keeps them in our catalogues (`make messages`), whose translations come
before allauth's own (LOCALE_PATHS): "vous" in French, "usted" in Spanish, never "the user".
Nothing imports this module. tests/outreach/test_sign_in.py checks that each is still one of
allauth's msgids, so that an allauth upgrade that rewords one is noticed.

Texts whose English Outreach says its own way are not here: see
`outreach.accounts.AccountAdapter.error_messages` and the templates under templates/account/.
"""

from django.utils.translation import gettext_noop

ALLAUTH_TEXTS = (
    # Labels and placeholders (allauth.account.fields.EmailField, forms.BaseConfirmCodeForm).
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Code"),
    # Errors (allauth.account.adapter.DefaultAccountAdapter.error_messages).
    gettext_noop("Incorrect code."),
    gettext_noop("This email address is already associated with this account."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("You cannot remove your primary email address."),
    gettext_noop("Your primary email address must be verified."),
    # Subjects of allauth's emails (account/email/*_subject.txt).
    gettext_noop("Sign-In Code"),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop("Account Already Exists"),
)
