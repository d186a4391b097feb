"""The community photo library: Django project and its domain apps."""

from photolib.celery import app as celery_app

__all__ = ("celery_app",)
