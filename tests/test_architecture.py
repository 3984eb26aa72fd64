"""The shape of requests_portal's imports: no cycle anywhere, and no import up the layers that
pyproject.toml's import-linter contract declares (`make lint` runs `lint-imports` on the same
contract).

The graph is built from the package itself, so a module added later is checked without being
listed here; imports inside functions and under TYPE_CHECKING count like any other (hiding an
import in a function does not remove the dependency). The last tests plant a cycle and an
upward import to show that both checks can fail.
"""

import tomllib
from pathlib import Path

import grimp
import pytest

PACKAGE = "requests_portal"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
TASK_MODULES = (f"{PACKAGE}.tasks", f"{PACKAGE}.tasks_oversight")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other round in a circle (directly or through
    others), each sorted; empty when the graph has no cycle."""
    cycles: list[list[str]] = []
    placed: set[str] = set()
    for module in sorted(graph.modules):
        if module in placed:
            continue
        # The modules `module` reaches and that reach `module` are its circle.
        circle = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if circle:
            members = sorted({module, *circle})
            placed.update(members)
            cycles.append(members)
    return cycles


def describe_cycle(graph: grimp.ImportGraph, members: list[str]) -> str:
    inside = set(members)
    arrows = [
        f"{importer} -> {imported}"
        for importer in members
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & inside)
    ]
    return "; ".join(arrows)


def configured_layers() -> tuple[list[grimp.Layer], set[str]]:
    """The layers (top first) and containers of the `layers` contract in pyproject.toml, read as
    import-linter reads them: "a | b" independent siblings, "a : b" siblings that may import
    each other."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layers = []
    for entry in contract["layers"]:
        independent = ":" not in entry
        tails = [tail.strip() for tail in entry.replace(":", "|").split("|")]
        layers.append(grimp.Layer(*tails, independent=independent))
    return layers, set(contract["containers"])


def upward_imports(graph: grimp.ImportGraph, layers: list[grimp.Layer], containers: set[str]) -> list[str]:
    """Each import (direct or through other modules) from a layer into a layer above it, or
    between independent siblings, as 'importer -> imported (via the chain)'."""
    found = []
    for dependency in graph.find_illegal_dependencies_for_layers(layers=layers, containers=containers):
        for route in dependency.routes:
            via = " -> ".join(["|".join(sorted(route.heads)), *route.middle, "|".join(sorted(route.tails))])
            found.append(f"{dependency.importer} -> {dependency.imported} (via {via})")
    return sorted(found)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None)


def test_requests_portal_has_no_import_cycle(graph):
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles: " + " | ".join(describe_cycle(graph, c) for c in cycles)


def test_no_module_imports_from_a_higher_layer(graph):
    layers, containers = configured_layers()
    assert upward_imports(graph, layers, containers) == []


def test_every_configured_layer_exists(graph):
    # A misspelt or removed layer would silently check nothing.
    layers, containers = configured_layers()
    missing = [
        f"{container}.{tail}"
        for layer in layers
        for tail in layer.module_tails
        for container in containers
        if f"{container}.{tail}" not in graph.modules
    ]
    assert missing == []


def test_nothing_in_the_app_imports_the_tasks(graph):
    """Code below the tasks rings them by their pinned names (requests_portal.queueing); this
    holds for modules in no layer too."""
    importers = {
        importer
        for task_module in TASK_MODULES
        for importer in graph.find_modules_that_directly_import(task_module)
        if importer not in TASK_MODULES
    }
    assert importers == set()


# --- the checks can fail ----------------------------------------------------------------------


def _synthetic_graph(imports: list[tuple[str, str]]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    graph.add_module("pkg")
    for importer, imported in imports:
        graph.add_import(importer=f"pkg.{importer}", imported=f"pkg.{imported}")
    return graph


def test_the_cycle_check_finds_a_planted_cycle():
    graph = _synthetic_graph([("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("e", "f"), ("f", "e")])
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.e", "pkg.f"]]
    assert import_cycles(_synthetic_graph([("a", "b"), ("b", "c"), ("d", "a")])) == []


def test_the_checks_find_a_cycle_and_an_upward_import_planted_in_the_real_graph():
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    # What the outbox did before it rang tasks by name: import the task module.
    graph.add_import(importer=f"{PACKAGE}.outbox", imported=f"{PACKAGE}.tasks")
    cycles = import_cycles(graph)
    assert [c for c in cycles if f"{PACKAGE}.outbox" in c and f"{PACKAGE}.tasks" in c]
    layers, containers = configured_layers()
    assert any(
        line.startswith(f"{PACKAGE}.outbox -> {PACKAGE}.tasks") for line in upward_imports(graph, layers, containers)
    )


def test_the_layer_check_finds_imports_up_and_between_independent_siblings():
    layers = [grimp.Layer("top"), grimp.Layer("left", "right", independent=True), grimp.Layer("bottom")]
    allowed = _synthetic_graph([("top", "left"), ("left", "bottom"), ("right", "bottom")])
    assert upward_imports(allowed, layers, {"pkg"}) == []
    upward = _synthetic_graph([("bottom", "other"), ("other", "top"), ("left", "right")])
    assert [line.split(" (via")[0] for line in upward_imports(upward, layers, {"pkg"})] == [
        "pkg.bottom -> pkg.top",
        "pkg.left -> pkg.right",
    ]
