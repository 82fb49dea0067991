"""``cpt help``: the help topics (environment, exit codes, settings) and each command's help.

There is no ``from __future__ import annotations`` here: the Typer releases that run on
Python 3.9 read the ``Annotated`` option metadata only from real annotation objects.
"""

from typing import Annotated, Optional

import typer

from cptcli.cli.base import COMMAND_MODULES, ENV, build_app, command, out


def _complete_topic(incomplete: str) -> list[str]:
    from cptcli.output.topics import TOPICS

    return [n for n in [*TOPICS, *COMMAND_MODULES] if n.startswith(incomplete)]


@command("help")
def help_(
    topic: Annotated[
        Optional[str],
        typer.Argument(
            metavar="[TOPIC]",
            help="environment, exit-codes, settings, or a command such as show.",
            autocompletion=_complete_topic,
        ),
    ] = None,
) -> None:
    """Explain a topic (environment variables, exit codes, the settings file) or a command.

    Without a topic, list the topics. A command name prints that command's help, as
    cpt COMMAND --help does.

    Examples:

      cpt help                  the topics
      cpt help environment      every environment variable cpt reads
      cpt help exit-codes       what each exit status means
      cpt help settings         the settings file: location, keys, precedence
      cpt help show             the same as cpt show --help
    """
    from cptcli.output import topics

    width = min(ENV.width, 100)
    if topic is None:
        out(topics.topic_list(width))
        return
    name = topic.strip().lower()
    name = topics.ALIASES.get(name, name)
    if name in topics.TOPICS:
        out(topics.topic_text(name, width))
        return
    if name in COMMAND_MODULES:
        build_app(name)([name, "--help"], prog_name="cpt", standalone_mode=False)
        return
    from cptcli.models import clean

    choices = ", ".join([*topics.TOPICS, *COMMAND_MODULES])
    raise typer.BadParameter(
        clean(f"no help topic or command {topic!r}; choose one of: {choices}"),
        param_hint="TOPIC",
    )
