"""A Sphinx directive that renders an :mod:`argparse` parser as a reference page.

Usage, in reST or MyST::

    .. argparse-cli:: eeforecast.cli:build_parser

The argument names a module and a function (or a parser object) separated by a colon; the
function is called without arguments and must return an :class:`argparse.ArgumentParser`. The
directive renders the top-level usage and options, then one section per subcommand (usage,
description and one entry per argument with its metavar, choices and default). Nodes are built
directly, so help texts are shown as written, whatever characters they contain, and the page is
the same under the reST and MyST parsers. Only the standard library's argparse is read: nothing
is fetched at build time.
"""

from __future__ import annotations

import argparse
import importlib
import re

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: Columns of the usage blocks, fixed so that the page does not depend on a terminal.
USAGE_WIDTH = 88


def load_parser(spec: str) -> argparse.ArgumentParser:
    """Import ``module:attribute`` and return the parser it is or builds."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"argparse-cli: expected 'module:function', got {spec!r}")
    obj = getattr(importlib.import_module(module_name), attr)
    parser = obj if isinstance(obj, argparse.ArgumentParser) else obj()
    if not isinstance(parser, argparse.ArgumentParser):
        raise TypeError(f"argparse-cli: {spec} did not give an argparse.ArgumentParser")
    return parser


def usage(parser: argparse.ArgumentParser) -> str:
    """The parser's usage line, wrapped at :data:`USAGE_WIDTH` columns."""
    formatter = parser.formatter_class(prog=parser.prog, width=USAGE_WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, subparser)`` for every subcommand, in the order they were added."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found.append((name, helps.get(name, ""), sub))
    return found


def invocation(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """How an argument is written: ``--as-of YYYY-MM-DD``, ``--seed SEED`` or ``COMMAND``."""
    formatter = parser.formatter_class(prog=parser.prog, width=USAGE_WIDTH)
    return formatter._format_action_invocation(action)


def describe(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The help text with ``%(default)s``-style fields expanded, and the default when not said."""
    formatter = parser.formatter_class(prog=parser.prog, width=USAGE_WIDTH)
    text = formatter._expand_help(action) if action.help else ""
    default = action.default
    shown = (
        default is not None
        and default is not argparse.SUPPRESS
        and default is not False
        and default != []
        and action.nargs != 0
        and "default" not in text.lower()
    )
    if shown:
        text = f"{text.rstrip('.')} (default: {default})" if text else f"default: {default}"
    if action.required and action.option_strings:
        text = f"{text} (required)" if text else "required"
    return text


OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def prose(text: str) -> nodes.paragraph:
    """A paragraph in which option names (``--as-of``) are literals, so they are shown as typed
    (typographic substitutions would turn ``--`` into a dash)."""
    node = nodes.paragraph()
    for i, part in enumerate(OPTION.split(text)):
        if part:
            node += nodes.literal(text=part) if i % 2 else nodes.Text(part)
    return node


def argument_list(parser: argparse.ArgumentParser) -> nodes.definition_list | None:
    """One definition-list entry per argument (help and subcommand actions left out)."""
    items = nodes.definition_list()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if action.help is argparse.SUPPRESS:
            continue
        term = nodes.term()
        term += nodes.literal(text=invocation(parser, action))
        definition = nodes.definition()
        definition += prose(describe(parser, action))
        items += nodes.definition_list_item("", term, definition)
    return items if len(items) else None


class ArgparseCliDirective(SphinxDirective):
    """``.. argparse-cli:: module:function``: the parser and its subcommands, one section each."""

    required_arguments = 1
    has_content = False

    def section(self, title: str, ident: str) -> nodes.section:
        node = nodes.section(ids=[nodes.make_id(ident)])
        node += nodes.title(text=title)
        self.state.document.note_implicit_target(node, node)
        return node

    def body(self, parser: argparse.ArgumentParser, summary: str = "") -> list[nodes.Node]:
        block = nodes.literal_block(text=usage(parser))
        block["language"] = "text"
        out: list[nodes.Node] = [block]
        for text in (parser.description or summary, parser.epilog):
            if text:
                out.append(prose(text))
        arguments = argument_list(parser)
        if arguments is not None:
            out.append(arguments)
        return out

    def run(self) -> list[nodes.Node]:
        parser = load_parser(self.arguments[0])
        out = self.body(parser)
        for name, summary, sub in subcommands(parser):
            section = self.section(f"{parser.prog} {name}", f"cli-{parser.prog}-{name}")
            section.extend(self.body(sub, summary))
            out.append(section)
        return out


def setup(app):
    app.add_directive("argparse-cli", ArgparseCliDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
