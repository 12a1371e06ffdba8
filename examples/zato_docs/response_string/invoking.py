"""A service without SimpleIO returns a string, which the caller parses itself.

From Zato 3.2's "Invoking other services": "Services that don't use SIO will
create string responses".

``MyService2`` (``invoking.my-service2``) sets its payload to a JSON string;
``MyService`` (``invoking.my-service``) gets that string back as it is,
parses it with ``loads`` and logs ``cust_name``. Only the import changed.

    postroom run examples/zato_docs/response_string/invoking.py --invoke invoking.my-service
"""

# stdlib
from json import dumps, loads

# postroom
from services import Service


class MyService(Service):
    def handle(self):
        response = self.invoke('invoking.my-service2')
        response = loads(response)  # Convert the string response to a JSON doc
        self.logger.info(response['cust_name'])


class MyService2(Service):
    def handle(self):
        cust_data = {'cust_name': 'Alexis Abramov'}
        self.response.payload = dumps(cust_data)
