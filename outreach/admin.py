from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from modeltranslation.admin import TranslationAdmin

from outreach.models import AuditEntry, Economy, Organisation, User
from outreach.services import give_primary_address


@admin.register(Economy)
class EconomyAdmin(TranslationAdmin):
    list_display = ["code", "name", "region", "sub_region", "is_least_developed"]
    list_filter = ["region", "is_least_developed", "is_landlocked_developing"]
    search_fields = ["code", "alpha3", *(f"name_{code}" for code, _name in settings.LANGUAGES)]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "economy", "size_band"]
    list_filter = ["kind", "size_band", "exporting_status"]
    search_fields = ["name"]
    autocomplete_fields = ["economy"]


class PasswordlessUserCreationForm(forms.ModelForm):
    """A person added by hand signs in by code, like everyone: no password to choose."""

    class Meta:
        model = User
        fields = ["email", "full_name", "role"]

    def save(self, commit=True):
        person = super().save(commit=False)
        person.set_unusable_password()
        if commit:
            person.save()
        return person


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organisation", "language"]
    list_filter = ["role", "language", "is_active"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organisation"]
    # No password field and no password page: Outreach has no passwords (outreach.accounts).
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Person", {"fields": ["full_name", "language", "time_zone", "organisation", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "full_name", "role"]})]
    add_form = PasswordlessUserCreationForm

    def save_model(self, request, obj, form, change):
        # So that their first sign-in code also verifies the address (outreach.services).
        super().save_model(request, obj, form, change)
        give_primary_address(obj)

    def get_urls(self):
        # Django's UserAdmin adds "<id>/password/" to set a password: skipped.
        return super(BaseUserAdmin, self).get_urls()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody adds, changes or deletes an entry by hand."""

    list_display = ["created_at", "actor_email", "actor_organisation", "action", "object_repr"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_email", "object_repr"]
    date_hierarchy = "created_at"
    list_select_related = ["actor_organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
