"""Webhooks in the admin: superusers register endpoints, read every delivery with its
attempts, and re-send one. (The reviewer role holds no permission here.)"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from photolib.api import webhooks
from photolib.api.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https",
                         help_text=WebhookEndpoint._meta.get_field("url").help_text)
    events = forms.MultipleChoiceField(choices=Event.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "secret", "events", "active")
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_url(self):
        url = self.cleaned_data["url"]
        webhooks.validate_endpoint_url(url)
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if len(secret) < webhooks.MIN_SECRET_LENGTH:
            raise forms.ValidationError(
                _("Use a secret of at least %(n)d random characters.")
                % {"n": webhooks.MIN_SECRET_LENGTH})
        return secret


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "description", "active", "failing_since", "created_at")
    list_filter = ("active",)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "status_code", "error", "duration_ms", "response_body")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "last_attempt_at")
    list_filter = ("status", "event")
    readonly_fields = ("endpoint", "event", "event_id", "payload", "status", "attempts",
                       "created_at", "last_attempt_at", "next_attempt_at", "delivered_at",
                       "resent_from")
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Re-send the selected deliveries"), permissions=["change"])
    def resend(self, request, queryset) -> None:
        for delivery in queryset:
            webhooks.webhook_resend(delivery_id=delivery.pk)
        self.message_user(request, _("Queued %(n)d deliveries again.") % {"n": queryset.count()},
                          messages.SUCCESS)
