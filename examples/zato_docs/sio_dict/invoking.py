"""Invoking a SimpleIO service with a plain dict, and iterating its list with dot access.

From Zato 3.2's "Invoking other services", the first example:
"A regular dictionary will do when invoking an SIO service".

``MyService`` (``invoking.my-service``) is the page's code with only the import
changed. It invokes ``zato.security.get-list``, a service built into Zato, so
this file adds a stand-in below the page's code: a service of that name whose
SimpleIO follows Zato's own (``request_elem``, ``response_elem``,
``output_repeated``), returning a list of security definitions under
``zato_security_get_list_response``. The caller reads each item with dot
access (``item.name``); undeclared keys, such as the password, are dropped.

    postroom run examples/zato_docs/sio_dict/invoking.py --invoke invoking.my-service
"""

from services import Service


class MyService(Service):
    def handle(self):

        # A regular dictionary will do when invoking an SIO service
        input_data = {'cluster_id': 1}

        response = self.invoke('zato.security.get-list', input_data)
        for item in response.zato_security_get_list_response:
            self.logger.info(item.name)


# -- Not on the page: a stand-in for Zato's built-in zato.security.get-list ---


class GetList(Service):
    """Returns a list of all security definitions available."""

    name = 'zato.security.get-list'

    class SimpleIO:
        request_elem = 'zato_security_get_list_request'
        response_elem = 'zato_security_get_list_response'
        input_required = ('cluster_id',)
        output_required = ('id', 'name', 'is_active', 'sec_type')
        output_optional = ('username', 'realm', 'password_type')
        output_repeated = True

    def handle(self):
        self.response.payload = [
            {
                'id': 1,
                'name': 'admin.invoke',
                'is_active': True,
                'sec_type': 'basic_auth',
                'username': 'admin.invoke',
                'realm': 'Zato admin invoke',
                'password': 'never sent',
            },
            {
                'id': 2,
                'name': 'pubapi',
                'is_active': True,
                'sec_type': 'basic_auth',
                'username': 'pubapi',
                'password': 'never sent',
            },
        ]
