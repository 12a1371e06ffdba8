"""Sending a SimpleIO service its input inline, as keyword arguments of ``self.invoke``.

From Zato 3.2's "Invoking other services": a SimpleIO service's input
"can be also sent inline, directly in the self.invoke method".

``MyService`` (``invoking.my-service``) calls ``invoking.my-service2`` with
``customer_id=123, phone_no='123-456-789'`` instead of a dict; ``MyService2``
declares both as required SimpleIO input and gets them validated and
converted exactly as from a dict payload, then logs ``customer_id``.

The page's code block for this example could not be retrieved (only its
sentence), so the code is written from that sentence with the data of the
page's neighbouring example. Giving a payload and inline fields together is
a ``TypeError`` in postroom (Zato silently ignores the fields).

    postroom run examples/zato_docs/inline_fields/invoking.py --invoke invoking.my-service
"""

from services import Service


class MyService(Service):
    def handle(self):

        service_name = 'invoking.my-service2'

        response = self.invoke(service_name, customer_id=123, phone_no='123-456-789')
        self.logger.info(response)


class MyService2(Service):
    class SimpleIO:
        input_required = ('customer_id', 'phone_no')

    def handle(self):
        self.logger.info(self.request.input.customer_id)
