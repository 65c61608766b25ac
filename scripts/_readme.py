"""Rewrite one ``## `` section of the README (used by the evaluation scripts' --write-readme)."""

from __future__ import annotations

from eeforecast import config
from eeforecast._io import atomic_write


def replace_section(markdown: str, heading: str, text: str, after: str | None = None) -> str:
    """``markdown`` with the section that starts at ``heading`` replaced by ``text``.

    A missing section is inserted after the section ``after`` (when present), else appended.

    Examples
    --------
    >>> replace_section("# T\\n## A\\nold\\n## B\\nb\\n", "## A", "## A\\nnew\\n")
    '# T\\n## A\\nnew\\n\\n## B\\nb\\n'
    """
    for anchor, keep in ((heading, False), (after, True)):
        if anchor and anchor in markdown:
            head, rest = markdown.split(anchor, 1)
            nxt = rest.find("\n## ")
            if nxt < 0:
                break
            kept = anchor + rest[: nxt + 1] + "\n" if keep else ""
            return head + kept + text + "\n" + rest[nxt + 1 :]
    if heading in markdown:  # the section is the last one
        return markdown.split(heading, 1)[0] + text
    return markdown.rstrip("\n") + "\n\n" + text


def write_section(heading: str, text: str, after: str | None = None) -> None:
    """Replace (or insert) a section of the project's README.md, atomically."""
    path = config.ROOT / "README.md"
    readme = path.read_text(encoding="utf-8") if path.exists() else ""
    atomic_write(path, replace_section(readme, heading, text, after))
