"""The change log's actions are one typed list (audit.models.Action): every writer names a member, an unknown action
is refused before anything is written, and every member reads in Danish."""

import ast
import pathlib

import pytest
from django.utils import translation

from jobbro.audit.log import log_change
from jobbro.audit.models import Action, ChangeLog

SOURCE = pathlib.Path(__file__).resolve().parents[2]


def test_writing_an_unknown_action_is_refused_and_nothing_is_written(alice):
    with pytest.raises(ValueError):
        log_change(user=alice, action="renamed_something", obj=alice)
    assert not ChangeLog.objects.exists()


def test_a_member_is_written_with_its_stored_value_unchanged(alice):
    log_change(user=alice, action=Action.TURN_ON_TWO_FACTOR, obj=alice)
    log_change(user=alice, action="turn_off_two_factor", obj=alice)  # a stored value is its member

    assert list(ChangeLog.objects.order_by("id").values_list("action", flat=True)) == [
        "turn_on_two_factor",
        "turn_off_two_factor",
    ]
    with translation.override("da"):
        assert ChangeLog.objects.order_by("id").first().get_action_display() == "Slog totrinslogin til"


def test_every_member_has_a_danish_label():
    def labels(language):
        with translation.override(language):
            return {member.value: str(member.label) for member in Action}

    english, danish = labels("en"), labels("da")
    assert [value for value in Action.values if danish[value] == english[value]] == []
    assert len(set(danish.values())) == len(danish), "two actions read the same"


def _writers():
    """(file, line, the action argument) of every call of log_change in the source, outside the tests."""
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "log_change"
            ):
                (argument,) = [k.value for k in node.keywords if k.arg == "action"]
                yield path.relative_to(SOURCE), node.lineno, argument


def test_every_writer_names_a_member_of_the_list():
    writers = list(_writers())
    assert len(writers) > 50
    literal = [(str(path), line) for path, line, argument in writers if isinstance(argument, ast.Constant)]
    assert literal == []
    named = {argument.attr for _path, _line, argument in writers if isinstance(argument, ast.Attribute)}
    assert named <= set(Action.names)
