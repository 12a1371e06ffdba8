"""An order pipeline: the flagship postroom example.

    postroom run examples/order_pipeline.py

``orders.place`` validates an order, reserves stock and prices it with
synchronous ``invoke`` calls, then charges the card with ``invoke_async``;
the payment's reply goes to the correlator, and a callback service sends
the confirmation. ``main(runtime)`` places a batch of orders, some
synchronously and some asynchronously, and gathers every reply by CID.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal as Money
from typing import Any

from services import Decimal, Int, List, Runtime, Service, Text

PRICES = {'book': Money('12.50'), 'lamp': Money('30.00'), 'mug': Money('7.25')}


class Stock:
    """A warehouse shared by the inventory workers."""

    def __init__(self, levels: dict[str, int]) -> None:
        self._levels = dict(levels)
        self._lock = threading.Lock()

    def reserve(self, items: list[dict[str, Any]]) -> None:
        with self._lock:
            short = [i['sku'] for i in items if self._levels.get(i['sku'], 0) < i['quantity']]
            if short:
                raise LookupError(f'Out of stock: {", ".join(short)}')
            for item in items:
                self._levels[item['sku']] -= item['quantity']


STOCK = Stock({'book': 10, 'lamp': 2, 'mug': 20})


class ValidateOrder(Service):
    """Checks an order's shape with SimpleIO; rejects empty orders."""

    name = 'orders.validate'

    class SimpleIO:
        input_required = (Int('order_id'), Text('customer_id'), List('items'))
        output_required = ('order_id', 'item_count')

    def handle(self) -> None:
        order = self.request.input
        items = order['items']  # .items would be dict.items: read such keys with []
        if not items:
            raise ValueError(f'Order {order.order_id} has no items')
        self.response.payload.order_id = order.order_id
        self.response.payload.item_count = sum(item.quantity for item in items)


class ReserveStock(Service):
    """Takes the items out of stock; two workers serve the one mailbox."""

    name = 'inventory.reserve'
    workers = 2

    def handle(self) -> None:
        STOCK.reserve(self.request.payload['items'])
        self.response.payload = {'reserved': True}


class QuotePrice(Service):
    """Prices the items."""

    name = 'pricing.quote'

    class SimpleIO:
        input_required = (List('items'),)
        output_required = (Decimal('total'),)

    def handle(self) -> None:
        items = self.request.input['items']
        self.response.payload.total = sum(
            (PRICES[item['sku']] * item['quantity'] for item in items), Money('0')
        )


class ChargeCard(Service):
    """Charges the customer; slow, like a real payment gateway, so it runs asynchronously."""

    name = 'payments.charge'
    workers = 4

    def handle(self) -> None:
        time.sleep(0.02)  # the gateway's round trip
        payload = self.request.payload
        self.logger.info('charged %s for order %s', payload['total'], payload['order_id'])
        self.response.payload = {
            'order_id': payload['order_id'],
            'charged': str(payload['total']),
            'payment_cid': self.cid,
        }


class SendConfirmation(Service):
    """Called back with the payment's response once the charge went through."""

    name = 'notifications.confirm'

    def handle(self) -> None:
        payment = self.request.payload
        self.response.payload = {
            'order_id': payment['order_id'],
            'message': f'Order {payment["order_id"]} paid: {payment["charged"]}',
            'for_payment': self.in_reply_to,
        }


class PlaceOrder(Service):
    """The entry point: validate, reserve, quote (sync), then charge (async)."""

    name = 'orders.place'

    def handle(self) -> None:
        order = self.request.payload
        checked = self.invoke('orders.validate', order)
        self.invoke('inventory.reserve', items=order['items'])
        quote = self.invoke('pricing.quote', items=order['items'])
        payment_cid = self.invoke_async(
            'payments.charge',
            order_id=order['order_id'],
            total=quote.total,
            callback='notifications.confirm',
        )
        self.response.payload = {
            'order_id': checked.order_id,
            'items': checked.item_count,
            'total': str(quote.total),
            'payment_cid': payment_cid,
        }


ORDERS = [
    {'order_id': 1, 'customer_id': 'c-17', 'items': [{'sku': 'book', 'quantity': 2}]},
    {'order_id': 2, 'customer_id': 'c-03', 'items': [{'sku': 'lamp', 'quantity': 1}]},
    {'order_id': 3, 'customer_id': 'c-17', 'items': [{'sku': 'mug', 'quantity': 4}]},
    {'order_id': 4, 'customer_id': 'c-42', 'items': [{'sku': 'lamp', 'quantity': 5}]},
    {'order_id': 5, 'customer_id': 'c-08', 'items': []},
    {'order_id': 6, 'customer_id': 'c-08', 'items': [{'sku': 'book', 'quantity': 1}]},
]


def main(runtime: Runtime) -> dict[int, str]:
    """Place the orders: odd ones with invoke, even ones with invoke_async."""
    outcomes: dict[int, str] = {}
    payments: dict[int, str] = {}
    placed_async: dict[int, str] = {}
    for order in ORDERS:
        order_id = order['order_id']
        if order_id % 2:
            try:
                placed = runtime.invoke('orders.place', order)
            except (LookupError, ValueError) as error:
                outcomes[order_id] = f'rejected: {error}'
                continue
            payments[order_id] = placed.payment_cid
            outcomes[order_id] = f'placed, total {placed.total}'
        else:
            placed_async[order_id] = runtime.invoke_async('orders.place', order)

    for order_id, cid in placed_async.items():
        reply = runtime.correlator.wait(cid, timeout=10)
        if reply.ok:
            payments[order_id] = reply.response.payment_cid
            outcomes[order_id] = f'placed, total {reply.response.total}'
        else:
            assert reply.error is not None
            outcomes[order_id] = f'rejected: {reply.error.message.splitlines()[0]}'

    for order_id, payment_cid in payments.items():
        payment = runtime.correlator.wait(payment_cid, timeout=10)
        outcomes[order_id] += f'; charged {payment.response.charged}'

    print('order  outcome')
    for order_id in sorted(outcomes):
        print(f'{order_id:>5}  {outcomes[order_id]}')
    return outcomes


if __name__ == '__main__':
    with Runtime() as rt:
        rt.deploy(__import__(__name__))
        main(rt)
