"""Reading a SimpleIO response with dot notation: ``response.my_response_elem.cust_name``.

From Zato 3.2's "Invoking other services": "the examples below are equivalent".

The same services as ``response_as_dict``, but ``MyService`` asks for a Bunch
with ``as_bunch=True`` and reads the response with attributes. A postroom
response is always a ``Bunch``, so both ways of reading work on any response.

Besides the import, the caller sends ``{'cust_id': 1}``, which
``MyService2`` requires (see ``response_as_dict``).

``as_bunch=True`` is accepted as in Zato; it changes nothing, since every
postroom response is a ``Bunch`` (which is a dict) anyway.

    postroom run examples/zato_docs/response_dot_notation/invoking.py --invoke invoking.my-service
"""

from services import Service


class MyService(Service):
    def handle(self):
        response = self.invoke('invoking.my-service2', {'cust_id': 1}, as_bunch=True)
        self.logger.info(response.my_response_elem.cust_name)


class MyService2(Service):
    class SimpleIO:
        input_required = ('cust_id',)
        output_required = ('cust_name',)
        response_elem = 'my_response_elem'

    def handle(self):
        self.response.payload.cust_name = 'Alexis Abramov'
