"""``invoke_async`` returns a CID, and the invoked service sees that same CID as ``self.cid``.

From Zato 3.2's "Invoking other services": "the response from an asynchronous
invocation is the CID the service which is being invoked will receive".

``MyService`` (``invoking.my-service``) invokes ``invoking.my-service2`` in
the background and logs ``Got CID <cid>``; ``MyService2`` logs ``My CID is
<cid>``. The two lines show the same CID, as the page promises. (Zato itself
gives the invoked service the caller's CID instead, so its two lines differ;
postroom keeps the page's promise.) The outcome is recorded in the runtime's
correlator under that CID. Only the import changed.

    postroom run examples/zato_docs/invoke_async_cid/invoking.py --invoke invoking.my-service
"""

from services import Service


class MyService(Service):
    def handle(self):
        cid = self.invoke_async('invoking.my-service2')
        self.logger.info('Got CID {}'.format(cid))  # noqa: UP032 - the page's code


class MyService2(Service):
    def handle(self):
        self.logger.info('My CID is {}'.format(self.cid))  # noqa: UP032 - the page's code
