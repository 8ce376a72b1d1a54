from django.db import migrations


class Migration(migrations.Migration):
    """Joins the migrations of features built side by side; it changes nothing itself."""

    dependencies = [
        ("connectors", "0010_digest_auth"),
        ("connectors", "0012_action_tags"),
        ("connectors", "0007_secret_homes"),
        ("connectors", "0009_trigram_search"),
        ("connectors", "0011_response_fidelity"),
    ]

    operations = []
