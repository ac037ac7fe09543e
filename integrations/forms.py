"""Admin form for a connection: secrets are write-only (never rendered back; blank keeps the stored value)."""

from __future__ import annotations

from django import forms

from integrations.models import SECRET_FIELDS, Connection


class ConnectionForm(forms.ModelForm):
    """Edits a Connection without ever putting a stored secret into the page."""

    custom_url = forms.URLField(
        label="Custom site URL",
        required=False,
        assume_scheme="https",
        help_text=Connection._meta.get_field("custom_url").help_text,
    )

    class Meta:
        model = Connection
        fields = [
            "name",
            "region",
            "custom_url",
            "company_id",
            "public_key",
            "private_key",
            "client_id",
            "api_version",
            "is_active",
            "is_default",
            "verify_tls",
            "timeout_seconds",
        ]
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        for name in SECRET_FIELDS:
            form_field = self.fields[name]
            form_field.required = creating
            form_field.initial = None
            if not creating:
                keep = " Leave blank to keep it; type a new value to replace it."
                form_field.help_text = self._stored_state(name) + keep

    def _stored_state(self, name: str) -> str:
        if name in self.instance.undecryptable_fields():
            return "Stored, but it CANNOT be decrypted with the current FIELD_ENCRYPTION_KEY: re-enter it."
        return "A value is stored." if getattr(self.instance, name) else "Nothing is stored yet."

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("region") == Connection.Region.CUSTOM and not cleaned.get("custom_url"):
            self.add_error("custom_url", "Enter the site URL of your ConnectWise server (on-premise or custom).")
        if cleaned.get("region") != Connection.Region.CUSTOM and cleaned.get("custom_url"):
            self.add_error("custom_url", "Leave empty for a cloud region, or choose 'On-premise or other URL'.")
        return cleaned

    def _post_clean(self) -> None:
        # Blank secret on edit = keep the stored value: restore it before the model instance is updated.
        if self.instance.pk is not None:
            for name in SECRET_FIELDS:
                if not self.cleaned_data.get(name):
                    self.cleaned_data[name] = getattr(self.instance, name)
        super()._post_clean()
