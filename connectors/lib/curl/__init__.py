"""cURL import and export.

`export`: a request as a command to paste into a POSIX shell (`to_curl`).
`shell` and `parse`: a pasted command read into the parts of a connector and an action
(`parse_curl`). Pure functions, no I/O.
"""
