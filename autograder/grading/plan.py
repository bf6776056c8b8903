"""Which cells a submission's grades depend on: the grader's fast path.

nbgrader scores a test cell by whether it raised, and the hidden tests run against the
learner's functions as the kernel holds them when the test cell runs. Most of a lesson's
cells (plots, training demos, widgets) feed no grade. `plan_cells` picks the cells that
can: every graded cell and answer cell, every cell the learner added or changed, the
release's pure import cells, and, transitively, every cell that binds or may change a
name those cells read (globals read inside functions included). The rest is skipped.

The plan says "run everything" instead, with the reason, whenever a static reading of the
learner's code could miss what it depends on: code that reaches names dynamically
(`globals()`, `eval`, `get_ipython()`, `sys`, IPython history, magics...), `global`
statements, functions that read global data or change globals, mutable default
arguments, or code that does not parse. At run time, an error that a skipped cell could
explain (a NameError, ImportError, AttributeError, KeyError...) sends the submission to a
full run as well (see execute.py). Both are decided per submission.
"""

from __future__ import annotations

import ast
import functools
import symtable
from dataclasses import dataclass, field

from nbformat.notebooknode import NotebookNode

#: Names through which code can reach the notebook's names (or anything) without naming them.
DYNAMIC = frozenset({
    "globals", "locals", "vars", "eval", "exec", "compile", "get_ipython", "__import__",
    "__builtins__", "builtins", "__main__", "importlib", "sys", "inspect", "gc", "ctypes",
    "In", "Out", "_ih", "_oh", "_dh", "_i", "_ii", "_iii", "_", "__", "___", "setattr",
    "delattr"})
#: Errors that can mean "a skipped cell would have defined this": a full run decides.
SUSPECT_ERRORS = ("NameError", "ImportError", "ModuleNotFoundError", "AttributeError",
                  "UnboundLocalError", "KeyError")
#: The output a skipped cell gets (feedback shows it in place of the cell's outputs).
SKIPPED_TEXT = ("[not run while grading: no grade depends on this cell; "
                "run it yourself to see its output]\n")


@dataclass
class Facts:
    """What one code cell binds, reads and may change, from its source alone."""

    defines: set[str] = field(default_factory=set)  # bound, or possibly changed in place
    uses: set[str] = field(default_factory=set)  # read at top level or by its functions
    function_globals: set[str] = field(default_factory=set)  # globals its functions read
    bound_by_import: set[str] = field(default_factory=set)
    bound_by_definition: set[str] = field(default_factory=set)  # def / class
    data: set[str] = field(default_factory=set)  # bound by assignment (not def, class, import)
    only_imports: bool = False
    dynamic: str | None = None  # why its dependencies cannot be read statically


def base_name(node: ast.AST) -> str | None:
    """`net` for net, net["W1"], net.W1[0]..."""
    while isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def top_level_nodes(tree: ast.AST):
    """Nodes executed when the cell runs (function and class bodies left out, their
    decorators and defaults kept)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += [*node.decorator_list, *node.args.defaults,
                      *[d for d in node.args.kw_defaults if d is not None]]
        elif isinstance(node, ast.ClassDef):
            stack += [*node.decorator_list, *node.bases, *node.keywords]
        elif isinstance(node, ast.Lambda):
            stack += [*node.args.defaults]
        else:
            stack += list(ast.iter_child_nodes(node))


@functools.lru_cache(maxsize=4096)
def cell_facts(source: str, learner: bool, immune: frozenset[str] = frozenset()) -> Facts:
    """The cell's facts. `learner`: the learner wrote or changed it (stricter rules).
    `immune`: names bound only to modules and functions, which a call they are passed to
    (or a method call on them) cannot change.

    Remembered: a class's submissions share most of their cells (read the result, never
    change it)."""
    facts = Facts()
    lines = source.splitlines()
    if any(line.lstrip().startswith(("%", "!")) for line in lines) or source.rstrip().endswith("?"):
        facts.dynamic = "an IPython magic or shell command"
        return facts
    try:
        tree = ast.parse(source)
        table = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        if learner:
            facts.dynamic = "a cell that does not parse as Python"
        return facts  # a release cell that does not parse binds nothing
    facts.only_imports = bool(tree.body) and all(
        isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            facts.bound_by_import |= {(a.asname or a.name).split(".")[0] for a in node.names}
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if symbol.is_referenced():
            facts.uses.add(name)
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            facts.defines.add(name)
        if symbol.is_assigned() and not symbol.is_namespace():
            facts.data.add(name)
    if isinstance(tree, ast.Module):
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                facts.bound_by_definition.add(statement.name)
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        stack += scope.get_children()
        for symbol in scope.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                facts.defines.add(symbol.get_name())
                facts.data.add(symbol.get_name())
                if learner:
                    facts.dynamic = f"a `global {symbol.get_name()}` statement"
            if symbol.is_global() and symbol.is_referenced():
                facts.uses.add(symbol.get_name())
                if scope.get_type() == "function":
                    facts.function_globals.add(symbol.get_name())
    immune = immune | facts.bound_by_import
    for node in top_level_nodes(tree):  # what the cell may change in place when it runs
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if (name := base_name(node)) is not None:
                facts.defines.add(name)
        elif isinstance(node, ast.Call):
            receiver = base_name(node.func.value) if isinstance(node.func, ast.Attribute) else None
            arguments = [base_name(a) for a in [*node.args, *(k.value for k in node.keywords)]]
            for name in [receiver, *arguments]:
                if name is not None and name not in immune:
                    facts.defines.add(name)
    if learner and facts.dynamic is None:
        facts.dynamic = learner_dynamic(tree, facts)
    return facts


def learner_dynamic(tree: ast.AST, facts: Facts) -> str | None:
    """Why the learner's code may depend on state a static reading cannot follow, or None."""
    reached = sorted(facts.uses & DYNAMIC)
    if reached:
        return f"code that uses `{reached[0]}`"
    for node in ast.walk(tree):
        if isinstance(node, ast.Nonlocal):
            return "a `nonlocal` statement"
    return function_state(tree, set())


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def function_state(node: ast.AST, enclosing: set[str]) -> str | None:
    """Why a function in `node` keeps state between calls (a mutable default, or a change
    to a global, in place), or None. `enclosing`: the enclosing functions' local names."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, FUNCTIONS):
            if (why := function_state(child, enclosing)) is not None:
                return why
            continue
        name = getattr(child, "name", "a lambda")
        arguments = child.args
        defaults = [*arguments.defaults, *[d for d in arguments.kw_defaults if d is not None]]
        if any(isinstance(d, (ast.List, ast.Dict, ast.Set, ast.Call, ast.ListComp,
                              ast.DictComp, ast.SetComp)) for d in defaults):
            return f"`{name}` has a mutable default argument"
        local = enclosing | {a.arg for a in [*arguments.posonlyargs, *arguments.args,
                                             *arguments.kwonlyargs, arguments.vararg,
                                             arguments.kwarg] if a}
        local |= {n.id for n in ast.walk(child) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, (ast.Store, ast.Del))}
        local |= {n.name for n in ast.walk(child) if isinstance(n, (ast.FunctionDef,
                  ast.AsyncFunctionDef, ast.ClassDef)) and n is not child}
        for inner in ast.walk(child):
            if isinstance(inner, (ast.Subscript, ast.Attribute)) and isinstance(
                    inner.ctx, (ast.Store, ast.Del)):
                changed = base_name(inner)
                if changed is not None and changed not in local:
                    return f"`{name}` changes the global `{changed}`"
        if (why := function_state(child, local)) is not None:
            return why
    return None


@dataclass
class Plan:
    """The cells to run (indices into the notebook's cells), or None: run every cell."""

    run: set[int] | None
    reason: str = ""  # why every cell runs
    because: dict[int, str] = field(default_factory=dict)  # cell -> a name it binds or changes

    def skips(self, index: int) -> bool:
        return self.run is not None and index not in self.run


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def plan_cells(nb: NotebookNode, release: NotebookNode | None) -> Plan:
    """The cells the grades of `nb` depend on (see the module's docstring)."""
    released = {c.source.strip() for c in (release.cells if release is not None else [])
                if c.cell_type == "code" and not nbgrader_meta(c).get("solution")}
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    graded = [i for i, c in code if nbgrader_meta(c).get("grade")]
    if not graded:
        return Plan(None, "no graded cell")
    last = max(graded)
    learner = {i for i, c in code if nbgrader_meta(c).get("solution")
               or (not nbgrader_meta(c) and c.source.strip() not in released)}
    # First pass: names the cells bind only by import, def or class (modules and functions),
    # which a call that receives them cannot change.
    bound, data = set(), set()
    for _, cell in code:
        first = cell_facts(cell.source, False)
        data |= first.data
        bound |= first.bound_by_import | first.bound_by_definition
    immune = frozenset(bound - data)
    facts: dict[int, Facts] = {}
    for i, cell in code:
        facts[i] = cell_facts(cell.source, i in learner, immune)
        if i in learner and i < last and facts[i].dynamic:
            return Plan(None, facts[i].dynamic)
    for i in learner:
        if i < last and (reads := sorted(facts[i].function_globals & data)):
            return Plan(None, f"a function of the learner's reads the global `{reads[0]}`")
    run = {i for i, _ in code if i <= last and (
        i in graded or i in learner or facts[i].only_imports)}
    definers: dict[str, set[int]] = {}
    for i, f in facts.items():
        if i < last:
            for name in f.defines:
                definers.setdefault(name, set()).add(i)
    pending, needed, because = list(run), set(), {}
    while pending:
        for name in facts[pending.pop()].uses - needed:
            needed.add(name)
            for i in definers.get(name, ()):
                if i not in run:
                    run.add(i)
                    because[i] = name
                    pending.append(i)
    return Plan(run, because=because)


def suspect(outputs: list) -> str | None:
    """The first error among `outputs` that a cell skipped by the fast path could explain."""
    for out in outputs:
        if out.get("output_type") == "error":
            text = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            for name in SUSPECT_ERRORS:
                if name in text:
                    return f"{out.get('ename')}: {str(out.get('evalue', ''))[:80]}"
    return None
