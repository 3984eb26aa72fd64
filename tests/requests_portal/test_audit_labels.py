"""Every action the code writes to the audit trail has a readable name and a place in the log
page's 「操作の種類」 filter. The actions are collected from the source, so a new one without a
name fails here rather than showing up as a raw code on the auditors' page."""

import ast
from pathlib import Path

import pytest

from requests_portal import audit
from requests_portal.roles import role_display

SOURCE = Path(audit.__file__).parent
# The calls that write an entry, with the position of the action when it is passed positionally.
WRITERS = {
    "record": None,
    "AuditEntry": None,
    "deny_case_file": 3,
    "_serve": None,
    "_audit_grant": 0,
    "_reachable_document": 2,
}
# Functions that take an action code from their caller and pass it on (their callers are checked).
FORWARDERS = {"record", "deny_case_file", "_serve", "_audit_grant", "_reachable_document"}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.expr) -> list[str] | None:
    """The literal codes an `action` argument can take; None when it is not literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _recorded_actions() -> tuple[set[str], list[str]]:
    found, unresolved = set(), []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        enclosing: dict[ast.AST, str] = {}
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                for inner in ast.walk(function):
                    enclosing.setdefault(inner, function.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in WRITERS:
                continue
            arguments = [kw.value for kw in node.keywords if kw.arg == "action"]
            position = WRITERS[_name(node.func)]
            if position is not None and len(node.args) > position:
                arguments.append(node.args[position])
            for argument in arguments:
                codes = _strings(argument)
                if codes is not None:
                    found.update(codes)
                elif enclosing.get(node) not in FORWARDERS:
                    unresolved.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found, unresolved


def test_the_collector_finds_the_actions_it_should():
    found, _unresolved = _recorded_actions()
    # One from each way of recording: a keyword, a conditional, a forwarded positional, _serve.
    assert {"dsr.view", "staff.account_created", "staff.account_changed", "letter.access", "document.download"} <= found
    assert "store_true" not in found  # argparse's action= is not an audit action


def test_every_recorded_action_has_a_label():
    found, unresolved = _recorded_actions()
    assert not unresolved, f"audit actions that are not literal strings (name them in the source): {unresolved}"
    missing = sorted(found - set(audit.AUDIT_ACTION_LABELS))
    assert not missing, f"audit actions without a label in audit.AUDIT_ACTION_GROUPS: {missing}"


def test_every_label_is_readable_and_each_action_sits_in_one_group():
    codes = [code for _key, _group, actions in audit.AUDIT_ACTION_GROUPS for code in actions]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert audit.action_label(code) != code


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("ga_supervisor", "総務部 監督者（個人情報管理責任者）"),
        ("auditor,mynumber_officer", "監査担当者、マイナンバー事務取扱担当者"),
        ("system", "システム"),
        ("member", "組合員"),
    ],
)
def test_roles_are_shown_by_their_names(stored, shown):
    assert role_display(stored) == shown
