from django.db import migrations

CURATOR_PERMISSIONS = [
    ("baselines", "curatordecision", "curate_receipts"),
    ("baselines", "method", "change_method"),
    ("baselines", "methodalias", "add_methodalias"),
    ("baselines", "methodalias", "change_methodalias"),
]


def create_curators(apps, schema_editor):
    """The `curators` group: may decide on receipts and tidy method names."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="curators")
    for app_label, model, codename in CURATOR_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("baselines", "0003_curate_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curators, migrations.RunPython.noop)]
