"""The code's layers (README "Where the code lives"): imports point down only, and no module imports itself in a circle.

Every module under jobbro/ is read with `ast`, imports inside functions included, so an import put off until a
function runs still counts. Tests and migrations are left out. LAYERS below is the picture, bottom first; a module
may import its own layer and the layers under it:

    web       the pages and their forms (every app's views, urls, forms, admin, template tags, commands), the API,
              the project's URLs and server entry points, the demo generator
    features  matching · reporting · imports · exchange · effect · outreach · netgain · surveys (questionnaires)
    cases     enrolments, plans, placements, hours (points at a company and a citizen)
    companies companies, agreements, openings, courses
    people    the citizen
    base      accounts (users, programmes, sites, programme settings, the who-may-what table) · audit · codes and
              the project's shared tools (formtools, pickers, numbers, ...)

A module's layer is its app's, except an app's page modules (PAGE_MODULES), which are the web layer's: a page may
show anything below it. A figure that combines several apps lives in the layer above them all (a company's track
record over placements is reporting/track_record.py). A new app has to be placed in LAYERS before this test passes.
"""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = "jobbro"

# Bottom first. The second item lists the apps (jobbro/<app>/) in the layer.
LAYERS = [
    ("base", {"accounts", "audit", "formats"}),
    ("people", {"people"}),
    ("companies", {"companies"}),
    ("cases", {"cases"}),
    (
        "features",
        {
            "matching",
            "reporting",
            "imports",
            "exchange",
            "effect",
            "outreach",
            "meetings",
            "messaging",
            "netgain",
            "surveys",
        },
    ),
    ("web", {"web", "api", "demo", "portal", "privacy"}),
]
# Modules right under jobbro/ that are not apps are the base layer (shared tools), except these entry points.
TOP_MODULES = {"urls", "wsgi", "asgi", "gunicorn_conf", "conftest"}
# An app's modules that are pages, named by the first name under the app: views.py, placement_views.py, urls.py,
# urls_week.py, forms.py, progression_forms.py, admin.py, templatetags/, management/ (commands), context processors.
PAGE_MODULES = re.compile(
    r"^(views|\w+_views|urls|urls_\w+|forms|\w+_forms|admin|templatetags|management|context_processors)$"
)


# --- The checker ---------------------------------------------------------------------------------------------------


def modules(root, package=PACKAGE):
    """{module name: path} for every module of the package, tests and migrations left out."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if {"tests", "migrations"} & set(parts) or parts[-1].startswith("test_"):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(found, package=PACKAGE):
    """{module: {imported module: first line}} for the package's own modules, imports inside functions included.

    `from a.b import c` imports the module a.b.c if there is one, else a name from a.b (the nearest module)."""

    def nearest(name):
        while name and name not in found:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in found.items():
        edges = graph.setdefault(name, {})
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".") if is_package else name.split(".")[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target == package or target.startswith(package + "."):
                    imported = nearest(target)
                    if imported and imported != name:
                        edges.setdefault(imported, node.lineno)
    return graph


def layer_of(module, layers=LAYERS):
    """The index of the module's layer in `layers` (0 is the bottom), or None for an app not in the table."""
    parts = module.split(".")
    top = len(layers) - 1
    if len(parts) == 1:
        return 0
    app = parts[1]
    if len(parts) == 2 and not any(app in apps for _name, apps in layers):
        return top if app in TOP_MODULES else 0  # a project-level module (or an app package's __init__ below)
    if len(parts) > 2 and PAGE_MODULES.match(parts[2]):
        return top
    for index, (_name, apps) in enumerate(layers):
        if app in apps:
            return index
    return None


def upward_imports(graph, layers=LAYERS):
    """Every import of a higher layer: [(module, line, imported module)]."""
    found = []
    for module, edges in graph.items():
        for imported, line in edges.items():
            if layer_of(imported, layers) > layer_of(module, layers):
                found.append((module, line, imported))
    return sorted(found)


def circles(graph):
    """The import circles: each a sorted list of the modules that import each other round (Tarjan's algorithm)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(start):
        # Iterative, so a long chain of imports cannot exhaust the recursion limit.
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return sorted(result)


# --- The rules, on jobbro itself -------------------------------------------------------------------------------------

FOUND = modules(ROOT)
GRAPH = imports(FOUND)


def test_the_checker_reads_the_whole_package():
    # A guard against a checker that silently reads nothing: the known modules and imports are there.
    assert len(FOUND) > 100
    assert "jobbro.accounts.models" in GRAPH["jobbro.people.models"]
    assert "jobbro.cases.models" in GRAPH["jobbro.reporting.fidelity"]


def test_every_app_has_a_layer():
    assert [module for module in FOUND if layer_of(module) is None] == []


def test_no_module_imports_a_higher_layer():
    found = [
        f"{FOUND[module].relative_to(ROOT)}:{line} imports {imported} "
        f"({LAYERS[layer_of(module)][0]} → {LAYERS[layer_of(imported)][0]})"
        for module, line, imported in upward_imports(GRAPH)
    ]
    assert found == []


def test_no_import_circles():
    assert circles(GRAPH) == []


def app_graph(graph, layers=LAYERS):
    """Imports between apps (jobbro.<app>), pages left out: {app: {imported app: 1}}."""
    apps = {}
    for module, edges in graph.items():
        if layer_of(module, layers) == len(layers) - 1:
            continue
        app = ".".join(module.split(".")[:2])
        for imported in edges:
            other = ".".join(imported.split(".")[:2])
            if other != app:
                apps.setdefault(app, {})[other] = 1
    return apps


def test_apps_import_each_other_in_no_circle_but_through_their_pages():
    # Counted by app, people, companies and cases import each other only through pages (README "Where the code lives").
    assert circles(app_graph(GRAPH)) == []


# --- The checker on a made-up package --------------------------------------------------------------------------------


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def tiny(tmp_path):
    """people imports cases inside a function (up), and cases.models and cases.rules import each other (a circle)."""
    write(
        tmp_path,
        {
            "jobbro/__init__.py": "",
            "jobbro/numbers.py": "",
            "jobbro/accounts/__init__.py": "",
            "jobbro/accounts/models.py": "from jobbro import numbers\n",
            "jobbro/people/__init__.py": "",
            "jobbro/people/models.py": (
                "from jobbro.accounts.models import *\n\ndef later():\n    from jobbro.cases import models\n"
            ),
            "jobbro/people/views.py": "from jobbro.cases.models import Enrolment\n",
            "jobbro/cases/__init__.py": "",
            "jobbro/cases/models.py": "from . import rules\nfrom ..people.models import Citizen\n",
            "jobbro/cases/rules.py": "def f():\n    import jobbro.cases.models\n",
            "jobbro/cases/tests/test_x.py": "from jobbro.web import views\n",
        },
    )
    return tmp_path


def test_the_checker_finds_an_import_inside_a_function_that_points_up(tiny):
    graph = imports(modules(tiny))
    assert upward_imports(graph) == [("jobbro.people.models", 4, "jobbro.cases.models")]


def test_the_checker_finds_a_circle_through_relative_and_function_imports(tiny):
    graph = imports(modules(tiny))
    assert circles(graph) == [["jobbro.cases.models", "jobbro.cases.rules", "jobbro.people.models"]]


def test_a_page_may_import_any_layer_and_tests_are_not_read(tiny):
    found = modules(tiny)
    assert "jobbro.cases.tests.test_x" not in found
    assert layer_of("jobbro.people.views") == layer_of("jobbro.web.views") == len(LAYERS) - 1
    assert layer_of("jobbro.numbers") == layer_of("jobbro.accounts.models") == 0
    assert ("jobbro.people.views", 1, "jobbro.cases.models") not in upward_imports(imports(found))


def test_the_app_graph_leaves_out_pages_only(tiny):
    graph = imports(modules(tiny))
    apps = app_graph(graph)
    assert apps["jobbro.people"] == {"jobbro.accounts": 1, "jobbro.cases": 1}  # models, not the views' import
    assert circles(apps) == [["jobbro.cases", "jobbro.people"]]


def test_a_module_of_an_app_missing_from_the_table_has_no_layer():
    assert layer_of("jobbro.newapp.models") is None
    assert layer_of("jobbro.urls") == len(LAYERS) - 1


def test_a_long_chain_is_no_circle_and_a_ring_is_one():
    chain = {f"m{i}": {f"m{i + 1}": 1} for i in range(5000)}
    assert circles(chain) == []
    ring = {**chain, "m5000": {"m0": 1}}
    assert circles(ring) == [sorted(ring)]
