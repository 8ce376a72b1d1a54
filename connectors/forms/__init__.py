"""The catalog's forms: a connector with its Auth Config form, an action with its input args."""
