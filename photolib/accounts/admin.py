from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from photolib.accounts.models import User


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "credit_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Admins grant the marketing and reviewer roles here, through Groups."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "display_name", "credit_name", "verified", "role_names", "is_active")
    list_filter = ("groups", "is_active", "is_superuser")
    search_fields = ("email", "display_name", "credit_name")
    readonly_fields = ("email_verified_at", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Names"), {"fields": ("display_name", "credit_name")}),
        (_("Roles"), {"fields": ("is_active", "groups", "is_superuser", "user_permissions")}),
        (_("Dates"), {"fields": ("email_verified_at", "date_joined", "last_login")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "display_name", "credit_name", "password1", "password2")}),
    )
    filter_horizontal = ("groups", "user_permissions")

    @admin.display(boolean=True, description=_("verified"))
    def verified(self, obj: User) -> bool:
        return obj.is_verified

    @admin.display(description=_("roles"))
    def role_names(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")
