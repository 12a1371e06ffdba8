"""Zato-style services running as actors.

    from services import Service, Runtime, DATA_FORMAT, Bunch

Write a ``Service`` subclass with a ``handle()`` method, deploy it into a
``Runtime``, and ``invoke`` it (ask and block) or ``invoke_async`` it (tell
with a new CID; the reply lands in ``runtime.correlator``).
"""

from __future__ import annotations

from services.bunch import Bunch, bunchify
from services.dataformats import DATA_FORMAT
from services.errors import (
    DeployError,
    InvocationCancelled,
    InvokeTimeout,
    RuntimeStopped,
    ServiceError,
    ServiceNotFound,
    ValidationError,
)
from services.runtime import Runtime
from services.service import Request, Response, Service
from services.sio_types import (
    UUID,
    AsIs,
    Bool,
    Date,
    DateTime,
    Decimal,
    Dict,
    Float,
    Int,
    List,
    Text,
)

__all__ = [
    'DATA_FORMAT',
    'UUID',
    'AsIs',
    'Bool',
    'Bunch',
    'Date',
    'DateTime',
    'Decimal',
    'DeployError',
    'Dict',
    'Float',
    'Int',
    'InvocationCancelled',
    'InvokeTimeout',
    'List',
    'Request',
    'Response',
    'Runtime',
    'RuntimeStopped',
    'Service',
    'ServiceError',
    'ServiceNotFound',
    'Text',
    'ValidationError',
    'bunchify',
]
