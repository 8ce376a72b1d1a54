from __future__ import annotations

import json

import pytest

from connectors.lib.templating import (
    ConstructError,
    TemplateError,
    escape_form,
    escape_json_string,
    escape_none,
    escape_path_segment,
    render,
    variables,
)


def test_it_fills_a_variable():
    assert render("/users/{{user_id}}/repos", {"user_id": "octocat"}) == "/users/octocat/repos"


def test_it_allows_whitespace_inside_the_braces():
    assert render("{{ a }}-{{{ b }}}-{{# c }}C{{/ c }}", {"a": 1, "b": 2, "c": True}) == "1-2-C"


def test_it_escapes_double_braces_and_not_triple_braces():
    values = {"q": "a/b c"}
    template = "/search/{{q}}?raw={{{q}}}&amp={{& q}}"
    assert render(template, values, escape_path_segment) == "/search/a%2Fb%20c?raw=a/b c&amp=a/b c"


def test_it_uses_no_escaping_by_default():
    assert render("{{x}}", {"x": '<&>"'}) == '<&>"'


def test_it_converts_values_that_are_not_strings():
    template = "{{t}} {{f}} {{n}} {{x}} {{d}} {{l}}"
    values = {"t": True, "f": False, "n": 42, "x": 1.5, "d": {"a": [1, "é"]}, "l": [1, 2]}
    assert render(template, values) == 'true false 42 1.5 {"a":[1,"é"]} [1,2]'


def test_it_raises_a_construct_error_naming_the_missing_variable():
    with pytest.raises(ConstructError) as caught:
        render("/users/{{user_id}}", {})
    assert caught.value.name == "user_id"
    assert str(caught.value) == "Failed to construct request: `{{user_id}}` has no value"


def test_it_treats_none_as_missing():
    with pytest.raises(ConstructError):
        render("{{{body}}}", {"body": None})


def test_it_renders_an_empty_string_value_as_empty():
    assert render("q={{q}}", {"q": ""}) == "q="


def test_it_drops_an_optional_param_section_when_empty():
    template = '{"model": "gpt-4"{{#temperature}}, "temperature": {{temperature}}{{/temperature}}}'
    assert render(template, {"temperature": ""}) == '{"model": "gpt-4"}'
    assert render(template, {}) == '{"model": "gpt-4"}'
    assert render(template, {"temperature": 0.2}) == '{"model": "gpt-4", "temperature": 0.2}'


@pytest.mark.parametrize("value", [True, "x", "0", [1], 1, -1, 0.5, {"a": 1}])
def test_it_keeps_a_section_when_the_value_is_truthy(value: object):
    assert render("{{#v}}kept{{/v}}", {"v": value}) == "kept"


@pytest.mark.parametrize("value", [False, "", [], 0, 0.0, None, {}])
def test_it_drops_a_section_when_the_value_is_falsy(value: object):
    assert render("{{#v}}kept{{/v}}", {"v": value}) == ""


def test_it_renders_a_list_section_once_rather_than_iterating():
    assert render("{{#ids}}ids={{ids}}{{/ids}}", {"ids": [1, 2]}) == "ids=[1,2]"


def test_it_renders_an_inverted_section_only_when_the_value_is_falsy():
    template = "{{#limit}}limit={{limit}}{{/limit}}{{^limit}}limit=10{{/limit}}"
    assert render(template, {"limit": 5}) == "limit=5"
    assert render(template, {"limit": ""}) == "limit=10"
    assert render(template, {}) == "limit=10"


def test_it_allows_a_missing_variable_inside_an_inverted_section_of_the_same_name():
    assert render("[{{^x}}{{x}}{{/x}}]", {}) == "[]"


def test_it_ignores_missing_values_in_a_dropped_section():
    assert render("a{{#opt}}&b={{other}}{{/opt}}", {"opt": ""}) == "a"


def test_it_requires_other_values_inside_a_kept_section():
    with pytest.raises(ConstructError) as caught:
        render("{{#opt}}{{opt}}={{other}}{{/opt}}", {"opt": "on"})
    assert caught.value.name == "other"


def test_it_renders_nested_sections():
    template = "{{#a}}A{{#b}}B{{/b}}{{^c}}!c{{/c}}{{/a}}"
    assert render(template, {"a": 1, "b": 1}) == "AB!c"
    assert render(template, {"a": 1, "c": 1}) == "A"
    assert render(template, {"b": 1}) == ""


def test_it_leaves_single_braces_and_json_alone():
    template = '{"user": {"id": "{{id}}", "n": {{n}}}}'
    assert render(template, {"id": "7", "n": 3}) == '{"user": {"id": "7", "n": 3}}'


def test_it_keeps_a_brace_right_after_a_variable_as_text():
    assert render('{"count":{{n}}}', {"n": 2}) == '{"count":2}'


def test_it_lists_every_variable_used():
    template = "/{{a}}/{{{b}}}{{#c}}{{d}}{{/c}}{{^e}}x{{/e}}{{& f}}"
    assert variables(template) == {"a", "b", "c", "d", "e", "f"}


def test_it_lists_no_variables_in_plain_text():
    assert variables('{"a": {"b": 1}}') == set()


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{{#a}}never closed", "`{{#a}}` is never closed"),
        ("{{^a}}never closed", "`{{^a}}` is never closed"),
        ("{{#a}}{{#b}}x{{/a}}{{/b}}", "`{{/a}}` does not match the open section `{{#b}}`"),
        ("x{{/a}}", "`{{/a}}` closes a section that was never opened"),
        ("/users/{{user_id", "Unclosed tag: `{{user_id`"),
        ("{{user id}}", "Bad tag `{{user id}}`"),
        ("{{}}", "Bad tag `{{}}`"),
        ("{{{x}}", "Bad tag `{{{x}}`"),
        ("{{a {{b}}", "Bad tag `{{a {{b}}`"),
    ],
)
def test_it_names_the_syntax_problem(template: str, problem: str):
    with pytest.raises(TemplateError) as caught:
        variables(template)
    assert problem in str(caught.value)
    with pytest.raises(TemplateError):
        render(template, {"a": 1, "b": 1, "x": 1, "user_id": 1})


def test_it_reports_syntax_errors_before_missing_values():
    with pytest.raises(TemplateError):
        render("{{missing}}{{#a}}", {})


def test_a_template_error_is_a_value_error():
    assert issubclass(TemplateError, ValueError)


def test_the_path_escape_encodes_slashes_and_queries():
    assert escape_path_segment("a/b?c=d e#f") == "a%2Fb%3Fc%3Dd%20e%23f"


def test_the_json_escape_keeps_a_string_value_valid_json():
    nasty = 'say "hi"\\\n\t</script>é'
    body = render('{"text": "{{text}}"}', {"text": nasty}, escape_json_string)
    assert json.loads(body) == {"text": nasty}


def test_the_form_escape_encodes_spaces_as_plus():
    assert escape_form("a b&c=d") == "a+b%26c%3Dd"


def test_the_none_escape_changes_nothing():
    assert escape_none("a/b c") == "a/b c"
