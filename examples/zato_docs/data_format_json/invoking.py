"""Invoking a service with ``data_format=DATA_FORMAT.JSON``.

From Zato 3.2's "Invoking other services": "Use the 'data_format' parameter if
a service expects the incoming data to be in a particular data format".

``MyService`` (``invoking.my-service``) sends a dict with
``data_format=DATA_FORMAT.JSON`` and logs the response; ``MyService2``
(``invoking.my-service2``) finds the payload already parsed into a dict and
logs its ``customer_id``, 123. A JSON string (``dumps(input_data)``) arrives
the same way; ``DATA_FORMAT.DICT`` is the default.

Only the imports changed (``dumps`` is imported and unused, as on the page).
``MyService2`` is the page source's (zatosource/zato-docs, 3.2), the published
page's excerpt ending before it.

    postroom run examples/zato_docs/data_format_json/invoking.py --invoke invoking.my-service
"""

# stdlib
from json import dumps  # noqa: F401 - unused on the page too

# postroom
from services import DATA_FORMAT, Service


class MyService(Service):
    def handle(self):

        input_data = {'customer_id': 123, 'phone_no': '123-456-789'}
        service_name = 'invoking.my-service2'

        response = self.invoke(service_name, input_data, data_format=DATA_FORMAT.JSON)
        self.logger.info(response)


class MyService2(Service):
    def handle(self):

        # Note how the payload is already a Python dictionary
        # and doesn't need to be parsed manually
        self.logger.info(self.request.payload['customer_id'])
