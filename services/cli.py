"""The ``postroom`` command line: run services, list them, benchmark.

    postroom run FILE... [--invoke NAME [--payload TEXT] [--data-format F] [--async]]
    postroom services FILE...
    postroom bench [SUITE...] [--quick] [--repeat N] [--json FILE] [--plot FILE] [--pin]

Bad input (a missing file, bad JSON, an unknown service, invalid input) is
one line on stderr and exit code 2, never a traceback; a service that fails
is one line and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, TextIO

from tabulate import tabulate

from actors import ReplyRecord, new_cid
from actors.backends import BACKENDS
from services.dataformats import DATA_FORMAT
from services.deployment import describe_class, find_services, load_file
from services.errors import DeployError, ServiceNotFound, ValidationError
from services.runtime import ASYNC_FAILURE, Runtime

__all__ = ['EXIT_FAILED', 'EXIT_OK', 'EXIT_USAGE', 'main']

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DATA_FORMATS = (DATA_FORMAT.DICT, DATA_FORMAT.JSON, DATA_FORMAT.CSV)


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='postroom', description='Zato-style services running as actors.'
    )
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    run = commands.add_parser(
        'run',
        help='deploy the services in FILEs and run their main(runtime) or invoke one',
        description=(
            'Deploy the services found in FILEs. With --invoke, invoke one and print '
            "its response as JSON; otherwise call each file's main(runtime). Then "
            'print a table of invocations, failures and latency per service.'
        ),
    )
    run.add_argument('files', nargs='+', metavar='FILE', help='Python files defining services')
    run.add_argument('--invoke', metavar='NAME', help='the service to invoke')
    run.add_argument(
        '--payload',
        metavar='TEXT',
        help='the request: JSON (for --data-format dict and json) or CSV text',
    )
    run.add_argument(
        '--data-format',
        choices=DATA_FORMATS,
        default=DATA_FORMAT.DICT,
        help='dict (default): --payload is JSON decoded here; json/csv: the service parses it',
    )
    run.add_argument(
        '--async',
        dest='is_async',
        action='store_true',
        help='invoke_async: print the CID, then the correlated reply',
    )
    run.add_argument(
        '--timeout', type=float, default=60.0, metavar='S', help='seconds to wait for the reply'
    )
    run.add_argument(
        '--actor', choices=BACKENDS, default='thread', help='default backend of service actors'
    )
    run.add_argument(
        '--log-level',
        choices=('DEBUG', 'INFO', 'WARNING', 'ERROR'),
        default='WARNING',
        help="what the services' loggers print on stderr (default: WARNING)",
    )

    services = commands.add_parser(
        'services',
        help='list the services in FILEs',
        description='Print a table of the services found in FILEs and their SimpleIO.',
    )
    services.add_argument('files', nargs='+', metavar='FILE', help='Python files defining services')

    commands.add_parser(
        'bench',
        help='run the concurrency benchmarks (see: postroom bench --help)',
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ['bench']:
        from bench.cli import main as bench_main  # noqa: PLC0415 - only bench needs it

        return bench_main(args_list[1:])
    args = _parser().parse_args(args_list)
    _configure_logging(getattr(args, 'log_level', 'WARNING'))
    try:
        if args.command == 'services':
            return _services(args.files, sys.stdout)
        return _run(args, sys.stdout)
    except (UsageError, DeployError, ServiceNotFound, ValidationError) as error:
        print(f'postroom: error: {error}', file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (say, `| head`) has gone: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


def _configure_logging(level: str) -> None:
    logging.basicConfig(format='%(levelname)s %(name)s: %(message)s', level=level)
    if level != 'DEBUG':
        # pykka logs every exception it hands back to a caller, traceback and all.
        logging.getLogger('pykka').setLevel(logging.WARNING)


class _DropAsyncFailure(logging.Filter):
    """Keeps the runtime's warning about one CID off stderr: the CLI reports it."""

    def __init__(self, cid: str) -> None:
        super().__init__()
        self.cid = cid

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            getattr(record, ASYNC_FAILURE, False) and getattr(record, 'cid', None) == self.cid
        )


def _load(files: Sequence[str]) -> list[ModuleType]:
    return [load_file(file) for file in files]


def _payload(args: argparse.Namespace) -> Any:
    if args.payload is None:
        if args.data_format != DATA_FORMAT.DICT:
            raise UsageError(f'--data-format {args.data_format} needs a --payload')
        return ''
    if args.data_format != DATA_FORMAT.DICT:
        return args.payload  # parsed, and validated, by the runtime
    try:
        return json.loads(args.payload)
    except json.JSONDecodeError as error:
        raise UsageError(
            f'--payload is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})'
        ) from None


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.invoke is None and (args.is_async or args.payload is not None):
        raise UsageError('--async and --payload go with --invoke NAME')
    payload = _payload(args) if args.invoke else None
    modules = _load(args.files)
    entry_points = [module.main for module in modules if callable(getattr(module, 'main', None))]
    if args.invoke is None and not entry_points:
        raise UsageError(
            'nothing to run: give --invoke NAME, or define main(runtime) in '
            + ', '.join(args.files)
        )
    status = EXIT_OK
    with Runtime(actor=args.actor) as runtime:
        for module in modules:
            runtime.deploy(module)
        if args.invoke is None:
            for entry_point in entry_points:
                entry_point(runtime)
        else:
            status = _invoke(runtime, args, payload, out)
    print(file=out)
    print(runtime.stats_table(), file=out)
    return status


def _invoke(runtime: Runtime, args: argparse.Namespace, payload: Any, out: TextIO) -> int:
    if args.is_async:
        cid = new_cid()
        quiet = _DropAsyncFailure(cid)
        handlers = logging.getLogger().handlers
        for handler in handlers:
            handler.addFilter(quiet)
        try:
            runtime.invoke_async(args.invoke, payload, cid=cid, data_format=args.data_format)
            print(cid, file=out)
            reply = runtime.correlator.wait(cid, timeout=args.timeout)
        finally:
            for handler in handlers:
                handler.removeFilter(quiet)
        print(_to_json(_reply_document(reply)), file=out)
        if reply.error is not None and reply.error.type == ValidationError.__name__:
            raise UsageError(reply.error.message.splitlines()[0])
        return EXIT_OK if reply.ok else EXIT_FAILED
    try:
        response = runtime.invoke(
            args.invoke, payload, timeout=args.timeout, data_format=args.data_format
        )
    except (ServiceNotFound, ValidationError):
        raise
    except Exception as error:  # noqa: BLE001 - reported in one line, with exit code 1
        print(f'postroom: {args.invoke} failed: {type(error).__name__}: {error}', file=sys.stderr)
        return EXIT_FAILED
    print(_to_json(response), file=out)
    return EXIT_OK


def _reply_document(reply: ReplyRecord) -> dict[str, Any]:
    document: dict[str, Any] = {
        'cid': reply.cid,
        'service': reply.service,
        'ok': reply.ok,
        'response': reply.response,
    }
    if reply.error is not None:
        document['error'] = {'type': reply.error.type, 'message': reply.error.message}
    return document


def _to_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def _services(files: Sequence[str], out: TextIO) -> int:
    rows = []
    for service_class, _module in find_services(_load(files)):
        deployed = describe_class(service_class, default_backend='thread')
        sio = deployed.sio.describe() if deployed.sio is not None else {}
        rows.append(
            (
                deployed.name,
                deployed.qualname,
                deployed.workers,
                service_class.actor or '(default)',
                _names(sio.get('input_required')),
                _names(sio.get('input_optional')),
                _names(sio.get('output_required')),
                _names(sio.get('output_optional')),
                sio.get('response_elem') or '',
            )
        )
    headers = (
        'name',
        'class',
        'workers',
        'actor',
        'input required',
        'input optional',
        'output required',
        'output optional',
        'response elem',
    )
    print(tabulate(rows, headers=headers, disable_numparse=True), file=out)
    return EXIT_OK


def _names(names: Sequence[str] | None) -> str:
    return ', '.join(names or ())


if __name__ == '__main__':  # pragma: no cover - python -m services.cli
    sys.exit(main())
