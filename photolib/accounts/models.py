"""The custom user: email is the login; display name and credit name."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photolib.accounts.language import language_choices
from photolib.accounts.timezones import default_time_zone, validate_time_zone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_superuser", True)
        fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=120, help_text=_("How the site greets you.")
    )
    credit_name = models.CharField(
        _("credit name"), max_length=120, help_text=_("How you want to be credited on your photos.")
    )
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The language the site, its mails and receipts speak to this person in ("" until they
    # choose: the language they signed up in, else the site's).
    language = models.CharField(
        _("language"), max_length=8, blank=True, default="", choices=language_choices,
        help_text=_("The language of the site, your emails and your receipts."),
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now, editable=False)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Times on this site are shown in this zone."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["email"]
        permissions = [
            ("contribute", "Can join groups and upload photos (resident)"),
            ("use_catalog", "Can search and download from the catalog (marketing)"),
            ("moderate", "Can review uploads and audit consent (reviewer)"),
            ("use_admin", "Can use the Django admin"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        """Admin access follows the role: superusers and holders of ``use_admin``."""
        return self.is_active and (self.is_superuser or self.has_perm("accounts.use_admin"))

    @property
    def public_credit_name(self) -> str:
        """The one name of theirs the city shows (credit lines, downloaded files, the
        catalog and its search): the credit name, or the display name where they left the
        credit name empty, as the sign-up form offers. The display name is otherwise
        private: it is how the site greets them."""
        return self.credit_name or self.display_name

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email


class ApiToken(models.Model):
    """A personal API token of a marketing officer (``photolib.accounts.api_tokens``).

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when it is
    made. ``prefix`` (the secret's first characters) lets its owner tell tokens apart. A token
    is never deleted, only revoked, so the download log keeps naming the token it came from.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read: search, photos, collections and notices")
        DOWNLOAD = "download", _("Read and download: also downloads, collection changes and "
                                 "acknowledging notices")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user_id}"

    @property
    def can_download(self) -> bool:
        return self.scope == self.Scope.DOWNLOAD

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
