"""Bulk grant / revoke / restore: one SDK call sequence per item, each item ends in a result.

Items are independent: a failed item is recorded and the run goes on. Errors that would fail every
remaining item the same way (bad token, missing scope, unreachable host) stop the run instead
(:func:`gmodstore_cli.errors.is_fatal`). Every operation checks the current state first, so a
re-run reports "already owned" / "already revoked" instead of failing, and ``--dry-run`` can say
what would change without changing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass
from enum import Enum
from typing import Any

import typer

from gmodstore_cli import render
from gmodstore_cli.errors import Context, describe, is_fatal
from gmodstore_cli.session import CommandFailed, Connection, errors_to_exit, open_api
from gmodstore_sdk import (
    ApiResponseValidationError,
    BadRequestException,
    NotFoundException,
    OpenApiException,
)
from gmodstore_sdk.api.product_purchases_api import ProductPurchasesApi
from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload
from gmodstore_sdk.model.product_purchase import ProductPurchase
from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter
from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload


class Status(str, Enum):
    """How one item ended; the ``status`` field of machine-readable results."""

    done = "done"
    already = "already"
    would = "would"
    failed = "failed"


@dataclass(frozen=True)
class Result:
    """The outcome of one bulk item."""

    target: str
    status: Status
    message: str
    purchase: ProductPurchase | None = None

    def row(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "status": self.status.value,
            "message": self.message,
            "purchaseId": self.purchase.id if self.purchase else None,
            "userId": self.purchase.user_id if self.purchase else None,
            "revoked": self.purchase.revoked if self.purchase else None,
        }


def find_purchase(api: ProductPurchasesApi, product: str, user_id: str) -> ProductPurchase | None:
    """The purchase of ``product`` owned by ``user_id`` (revoked or not), if any.

    The row is checked, not trusted: a server that ignored ``filter[userId]`` would otherwise
    hand back another user's purchase, and ``revoke --user`` would revoke it.
    """
    page = api.list_product_purchases(
        product, per_page=1, filter=ProductPurchaseFilter(user_id=user_id)
    )
    if not page.data:
        return None
    found = page.data[0]
    if found.user_id.lower() != user_id.lower() or found.product_id.lower() != product.lower():
        raise ApiResponseValidationError(
            f"asked for the purchase of user {user_id}, the server answered with purchase "
            f"{found.id} of user {found.user_id} (product {found.product_id}): it ignored the "
            "filter; nothing was changed"
        )
    return found


def grant(api: ProductPurchasesApi, product: str, user_id: str, *, dry_run: bool) -> Result:
    """Give ``user_id`` a purchase of ``product`` unless they already have one."""
    if dry_run:
        existing = find_purchase(api, product, user_id)
        return (
            _owned(product, user_id, existing)
            if existing
            else Result(user_id, Status.would, "would grant")
        )
    try:
        created = api.create_product_purchase(
            product, new_product_purchase_payload=NewProductPurchasePayload(user_id=user_id)
        ).data
    except BadRequestException as exc:
        # The API answers 400 both for "already has a purchase" and for an unknown user; the
        # purchase list tells them apart without depending on the wording of the message.
        existing = find_purchase(api, product, user_id)
        if existing is None:
            raise exc from None
        return _owned(product, user_id, existing)
    return Result(user_id, Status.done, "granted", created)


def _owned(product: str, user_id: str, existing: ProductPurchase) -> Result:
    if not existing.revoked:
        return Result(user_id, Status.already, "already owned", existing)
    # Granting must not silently undo a revocation (chargebacks, bans): say how to restore.
    return Result(
        user_id,
        Status.failed,
        f"owns revoked purchase {existing.id}; to give access back run: "
        f"gmodstore purchases restore {product} --user {user_id}",
        existing,
    )


def set_revoked(
    api: ProductPurchasesApi,
    product: str,
    target: str,
    *,
    revoked: bool,
    by_user: bool,
    dry_run: bool,
) -> Result:
    """Revoke (``revoked=True``) or restore one purchase, addressed by its id or its owner."""
    if by_user:
        found = find_purchase(api, product, target)
        if found is None:
            return Result(target, Status.failed, f"user has no purchase of product {product}")
        purchase = found
    else:
        purchase = api.get_product_purchase(product, target).data
    verb = "revoke" if revoked else "restore"
    if purchase.revoked == revoked:
        return Result(
            target, Status.already, "already revoked" if revoked else "already active", purchase
        )
    if dry_run:
        return Result(target, Status.would, f"would {verb}", purchase)
    updated = api.update_product_purchase(
        product,
        purchase.id,
        update_product_purchase_payload=UpdateProductPurchasePayload(revoked=revoked),
    ).data
    return Result(target, Status.done, f"{verb}d", updated)


Operation = Callable[[ProductPurchasesApi, str], Result]


@dataclass(frozen=True)
class Job:
    """One bulk command: what to do to each target and how to talk about it."""

    product: str
    targets: Sequence[str]
    operation: Operation
    label: str
    """Progress bar description, e.g. ``"Granting"``."""
    labels: dict[str, str]
    """Summary label per status, e.g. ``{"done": "granted", "already": "already owned"}``."""
    by_user: Callable[[str], bool]
    """Whether a target is a user id (else a purchase id), for error messages."""


def grant_job(product: str, users: Sequence[str], *, dry_run: bool) -> Job:
    """``grant``: give each user a purchase of ``product``."""
    return Job(
        product=product,
        targets=users,
        operation=lambda api, user: grant(api, product, user, dry_run=dry_run),
        label="Granting",
        labels={
            "would" if dry_run else "done": "would grant" if dry_run else "granted",
            "already": "already owned",
        },
        by_user=lambda _: True,
    )


def revoked_job(
    product: str, targets: Sequence[str], owners: Set[str], *, revoked: bool, dry_run: bool
) -> Job:
    """``revoke`` (``revoked=True``) or ``restore``; ``owners``: the targets that are user ids."""
    verb = "revoke" if revoked else "restore"
    return Job(
        product=product,
        targets=targets,
        operation=lambda api, target: set_revoked(
            api, product, target, revoked=revoked, by_user=target in owners, dry_run=dry_run
        ),
        label="Revoking" if revoked else "Restoring",
        labels={
            "would" if dry_run else "done": f"would {verb}" if dry_run else f"{verb}d",
            "already": "already revoked" if revoked else "already active",
        },
        by_user=lambda target: target in owners,
    )


def execute(conn: Connection, job: Job, fmt: render.OutputFormat) -> None:
    """Run ``job`` with a progress bar, print every result and the summary.

    Exits 1 if any item failed. A fatal error (or Ctrl-C) prints what was done so far, then the
    error line.
    """
    results: list[Result] = []
    enabled = render.progress_enabled() and not conn.debug
    with errors_to_exit(conn, Context(product=job.product, write=True)):
        try:
            with (
                render.progress(job.label, len(job.targets), enabled=enabled) as bar,
                open_api(conn, on_wait=bar.status) as (_, api),
            ):
                # One read first: a bad token, a missing read scope, another team's product or an
                # unknown product fail here once, not once per item.
                api.list_product_purchases(job.product, per_page=1)
                results.extend(_run(api, job, bar))
        except (OpenApiException, KeyboardInterrupt):
            if results:  # only fatal errors and Ctrl-C can stop a started run
                report(results, fmt, job.labels)
                render.note(
                    f"Stopped after {len(results)} of {len(job.targets)}; re-running is safe."
                )
            raise
    if report(results, fmt, job.labels):
        raise typer.Exit(1)


def _run(api: ProductPurchasesApi, job: Job, bar: render.ProgressHandle) -> Iterator[Result]:
    for position, target in enumerate(job.targets):
        try:
            result = job.operation(api, target)
        except OpenApiException as exc:
            if is_fatal(exc):
                raise
            if position == 0 and _is_a_user_id(api, job, target, exc):
                raise CommandFailed(
                    f"{target} is not a purchase of product {job.product} but a user who owns "
                    "one: these look like user ids: add a `userId` header to the file or use "
                    "`--user`"
                ) from None
            if job.by_user(target):
                ctx = Context(product=job.product, user=target, write=True)
            else:
                ctx = Context(product=job.product, purchase=target, write=True)
            result = Result(target, Status.failed, describe(exc, ctx))
        bar.advance()
        yield result


def _is_a_user_id(api: ProductPurchasesApi, job: Job, target: str, exc: Exception) -> bool:
    """Whether a purchase id that was not found is the id of a user with a purchase instead.

    Asked once, for the first item: a list of user ids given as purchase ids would otherwise fail
    item after item with "not found".
    """
    if job.by_user(target) or not isinstance(exc, NotFoundException) or job.label == "Granting":
        return False
    try:
        return find_purchase(api, job.product, target) is not None
    except OpenApiException:
        return False


def report(results: Sequence[Result], fmt: render.OutputFormat, labels: dict[str, str]) -> bool:
    """Print every result (stdout) and the summary (stderr); True if any item failed."""
    writer = render.RowWriter(fmt, render.RESULT_COLUMNS, render.RESULT_FIELDS)
    counts: dict[str, int] = {}
    for result in results:
        writer.write(result.row())
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    writer.close()
    failures = [r.row() for r in results if r.status is Status.failed]
    render.summary(counts, labels, failures)
    return bool(failures)
