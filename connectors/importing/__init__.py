"""One import pipeline: every importer reads its source into a Plan; one preview, one apply.

    source (file, pasted text, URL, cURL command, template + answers, catalog file)
    source  --readers/<source>.py-->  Plan        # pure: a reader never writes to the database
    Plan  --compare.against_catalog-->  Plan      # target connector, conflicts, diff (reads only)
    Preview -> Create  --staging-->               # the source staged sealed, a keyed digest
    Plan + the user's choices  --apply-->  one transaction through catalog.writes, in history

A catalog file compares whole connectors (catalog_compare) before each is read into the Plan.

The Plan (plan.py) holds everything a preview shows: the connector (fields, variables, Base
URL choices), its Auth Config (settings, and for each secret field a `{{NAME}}` reference or
nothing: secrets never come from a description), the credentials to set (name, secret field,
suggested allowed hosts), the actions (with input args and tags), what was skipped, notes.

To add a reader (e.g. a HAR file):

1. Write `read(document, options) -> Plan` in a module of its own; build the Plan from
   `plan.ConnectorPlan`, `plan.AuthPlan`, `plan.ActionPlan`, `plan.ArgPlan` and
   `plan.CredentialToSet`, name actions with `names.action_name` / `names.unique`, raise
   `ReadError("one sentence naming where")` for bad input. Do not touch the database.
2. Register it in `readers/description.READERS` with a `detect(document) -> bool`, if it reads a
   document that a user uploads on the Import API page; or call it directly and hand its
   Plan to `compare.against_catalog` and the preview view (`views/importing_api.py`).
3. Everything else (preview page, checkboxes, conflicts, apply, history) is shared.
"""
