"""``gmodstore sandbox reviews ...``: reviews are written on the website, so tests add them here.

$ gmodstore sandbox reviews add --product PRODUCT_ID --user USER_ID --rating 4 --title "Nice"
$ gmodstore sandbox reviews edit REVIEW_ID --rating 2
$ gmodstore sandbox reviews delete REVIEW_ID
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .._help import examples

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["reviews_app"]

T = TypeVar("T")

reviews_app = typer.Typer(
    help="Product reviews (customers write them on the website).",
    epilog=examples('reviews add --product PRODUCT_ID --user USER_ID --rating 4 --title "Nice"'),
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="GMODSTORE_SANDBOX_DATABASE_URL",
        help="SQLAlchemy URL: sqlite:///path.db or postgresql://user@host/db.",
    ),
]
Rating = Annotated[int, typer.Option(min=1, max=5, help="Stars, 1 to 5.")]
_DEFAULT_URL = "sqlite:///./sandbox.db"


def _uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise typer.BadParameter(f"{what} {value!r} is not a UUID") from None


def _run(database_url: str, action: Callable[[Engine], T]) -> T:
    from ..settings import Settings
    from ..storage.db import create_tables, make_engine
    from . import tables as _tables  # noqa: F401 - registers the content tables
    from .admin import ReviewError

    engine = make_engine(Settings(database_url=database_url).database_url, pool_size=1)
    try:
        create_tables(engine)
        return action(engine)
    except ReviewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@reviews_app.command(
    "add",
    epilog=examples('reviews add --product PRODUCT_ID --user USER_ID --rating 4 --title "Nice"'),
)
def reviews_add(
    product: Annotated[str, typer.Option("--product", help="Id of the reviewed product.")],
    user: Annotated[str, typer.Option("--user", help="Id of the reviewing user.")],
    rating: Rating,
    title: Annotated[str, typer.Option(help="Review title.")] = "Review",
    body: Annotated[str, typer.Option(help="Review text (stored as a JSON document).")] = "",
    version: Annotated[str, typer.Option(help="Version of the product reviewed.")] = "1.0.0",
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """Add a review and print its id."""
    from .admin import create_review

    product_id, user_id = _uuid(product, "product"), _uuid(user, "user")
    review = _run(
        database_url,
        lambda engine: create_review(
            engine,
            product_id=product_id,
            user_id=user_id,
            rating=rating,
            title=title,
            body=body,
            version=version,
        ),
    )
    typer.echo(review)


@reviews_app.command("edit", epilog=examples("reviews edit REVIEW_ID --rating 2 --title Meh"))
def reviews_edit(
    review: Annotated[str, typer.Argument(help="Review id.")],
    rating: Annotated[int | None, typer.Option(min=1, max=5, help="Stars, 1 to 5.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    body: Annotated[str | None, typer.Option(help="New text.")] = None,
    version: Annotated[str | None, typer.Option(help="New product version.")] = None,
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """Change a review's rating, title, text or version."""
    from .admin import edit_review

    review_id = _uuid(review, "review")
    _run(
        database_url,
        lambda engine: edit_review(
            engine, review_id, rating=rating, title=title, body=body, version=version
        ),
    )
    typer.echo(f"Updated review {review_id}")


@reviews_app.command("delete", epilog=examples("reviews delete REVIEW_ID"))
def reviews_delete(
    review: Annotated[str, typer.Argument(help="Review id.")],
    database_url: DatabaseUrl = _DEFAULT_URL,
) -> None:
    """Delete a review."""
    from .admin import delete_review

    review_id = _uuid(review, "review")
    _run(database_url, lambda engine: delete_review(engine, review_id))
    typer.echo(f"Deleted review {review_id}")
