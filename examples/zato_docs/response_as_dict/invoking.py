"""Reading a SimpleIO response as a dict: ``response['my_response_elem']['cust_name']``.

From Zato 3.2's "Invoking other services": "SIO services will produce
dictionaries as their responses".

``MyService2`` (``invoking.my-service2``) declares ``response_elem =
'my_response_elem'``, so its response is wrapped:
``{'my_response_elem': {'cust_name': 'Alexis Abramov'}}``. ``MyService``
(``invoking.my-service``) reads it with subscripts and logs the name.

Besides the import, one change: the page invokes ``invoking.my-service2``
with no input, although it declares ``cust_id`` required. Zato skips
validating an empty request; postroom does not (it raises ``ValidationError:
Element missing: cust_id``), so the caller sends ``{'cust_id': 1}``.

    postroom run examples/zato_docs/response_as_dict/invoking.py --invoke invoking.my-service
"""

from services import Service


class MyService(Service):
    def handle(self):
        response = self.invoke('invoking.my-service2', {'cust_id': 1})
        self.logger.info(response['my_response_elem']['cust_name'])


class MyService2(Service):
    class SimpleIO:
        input_required = ('cust_id',)
        output_required = ('cust_name',)
        response_elem = 'my_response_elem'

    def handle(self):
        self.response.payload.cust_name = 'Alexis Abramov'
