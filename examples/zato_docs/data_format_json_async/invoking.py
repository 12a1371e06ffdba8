"""The JSON call again, asynchronously: ``invoke_async`` with ``data_format=DATA_FORMAT.JSON``.

From Zato 3.2's "Invoking other services": "Same thing but done asynchronously".

``MyService`` (``invoking.my-service``) sends a JSON string to
``invoking.my-service2`` with ``invoke_async`` and logs what it gets back at
once: the CID of the invocation, not a response. ``MyService2`` runs in the
background, finds the payload already parsed into a dict, and logs its
``customer_id``, 123; its outcome lands in the runtime's correlator under
that CID.

Besides the imports, one change: the page logs ``response`` without ever
assigning it (a ``NameError``); as the published page does for the
synchronous version, the call's result is assigned to ``response``.

    postroom run examples/zato_docs/data_format_json_async/invoking.py --invoke invoking.my-service
"""

# stdlib
from json import dumps

# postroom
from services import DATA_FORMAT, Service


class MyService(Service):
    def handle(self):

        input_data = {'customer_id': 123, 'phone_no': '123-456-789'}
        input_data = dumps(input_data)  # Convert to JSON

        service_name = 'invoking.my-service2'
        response = self.invoke_async(service_name, input_data, data_format=DATA_FORMAT.JSON)

        self.logger.info(response)


class MyService2(Service):
    def handle(self):

        # Note how the payload is already a Python dictionary
        # and doesn't need to be parsed manually
        self.logger.info(self.request.payload['customer_id'])
