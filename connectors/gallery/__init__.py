"""New connector from a template: the gallery of Agent Studio's public setup guides.

`catalog` finds templates, `form` asks only what the user supplies, `plan` turns a template
and the answers into what Create saves, `apply` saves it in one transaction with history.
"""
