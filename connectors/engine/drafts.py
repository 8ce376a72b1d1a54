"""An unsaved edit of an action's request, as Test sends it and a run keeps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from connectors.models import Action, InputArg


@dataclass(frozen=True)
class Draft:
    method: str
    path: str
    query_params: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    body: str = ""
    # {"name", "data_type", "required", "example_value", "description"} per Input Arg
    input_args: list[dict[str, object]] = field(default_factory=list)

    def arg_types(self) -> dict[str, str]:
        return {
            str(arg["name"]): str(arg.get("data_type") or InputArg.DataType.STRING)
            for arg in self.input_args
        }

    def applied_to(self, action: Action) -> Action:
        """An unsaved Action: the saved one's connector and name with this request.

        It has no pk, so nothing can save it by mistake or read the saved Input Args."""
        return Action(
            connector=action.connector,
            name=action.name,
            description=action.description,
            method=self.method,
            path=self.path,
            query_params=self.query_params,
            headers=self.headers,
            body=self.body,
        )

    def as_json(self) -> dict[str, object]:
        return asdict(self)
