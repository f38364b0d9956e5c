from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from baselines.access import ensure_curators_group


class Command(BaseCommand):
    help = "Create a curator (or add an existing user to the curators group)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="omit to be asked (safer than the shell history)")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        group = ensure_curators_group()
        user, created = User.objects.get_or_create(username=options["username"], defaults={"email": options["email"]})
        if created:
            password = options["password"] or getpass.getpass("Password: ")
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                user.delete()
                raise CommandError("; ".join(exc.messages)) from None
            user.set_password(password)
            user.save()
        user.groups.add(group)
        self.stdout.write(f"{'created' if created else 'updated'} curator {user.get_username()}")
