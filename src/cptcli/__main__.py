"""Entry point of the ``cpt`` command and of ``python -m cptcli``."""

import gc
import os
import sys


def main() -> None:
    # A run of `cpt` is short, and nearly everything it allocates lives until it ends:
    # modules, classes, the loaded index. Cyclic garbage collection finds nothing to
    # free among them, yet during start-up alone it costs 4-7 ms (5% of `cpt show`).
    gc.disable()
    try:
        # A search checks one file per record for changes; start that in a child
        # process now, so that it overlaps the imports below.
        from cptcli.freshness import start_early

        start_early(sys.argv[1:])
        from cptcli.cli import main as run

        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    except KeyboardInterrupt:  # during start-up; the commands handle their own
        sys.stderr.write("\n")
        code = 130  # ExitCode.INTERRUPTED, as the commands end on Ctrl-C
    # Tearing the interpreter down (freeing every module and object one by one) takes
    # about 15 ms once rich is loaded, longer than most commands run. All output is
    # flushed and every file closed by now, so end the process directly.
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:  # the reader went away: not an error
            pass
        except OSError as exc:  # a full disk, an I/O error: the output is incomplete
            if stream is sys.stdout:
                code = code or 1
                _tell_unwritten(exc)
        except ValueError:  # a closed stream
            pass
    os._exit(code)


def _tell_unwritten(exc: OSError) -> None:
    from cptcli.errors import describe_os_error

    try:
        sys.stderr.write(f"error: cannot write the output: {describe_os_error(exc)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    main()
