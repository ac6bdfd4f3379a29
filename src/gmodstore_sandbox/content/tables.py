"""Tables of the content area (versions, download links, media, headers, coupons, reviews).

They live on the shared ``Base.metadata`` (importing this module registers them). Files are not
stored in the database: a row names its file by ``file_key``, a name inside `files.FileStore`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..storage.tables import Base, utcnow

__all__ = [
    "DownloadLink",
    "ProductCoupon",
    "ProductHeader",
    "ProductMedium",
    "ProductReview",
    "ProductVersion",
]

# SQLite only autoincrements INTEGER PRIMARY KEY (as in storage.tables).
_SeqType = BigInteger().with_variant(Integer(), "sqlite")


class ProductVersion(Base):
    """One uploaded release of a product; ``seq`` is the keyset-pagination key."""

    __tablename__ = "product_versions"
    __table_args__ = (Index("ix_product_versions_product_seq", "product_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(80))
    changelog: Mapped[str] = mapped_column(Text)
    release_type: Mapped[str] = mapped_column(String(16))
    file_key: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger)
    file_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 hex digest of the uploaded file."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DownloadLink(Base):
    """A one-time download URL of a version. Only the SHA-256 of the URL's secret is stored."""

    __tablename__ = "product_download_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[uuid.UUID] = mapped_column(index=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductMedium(Base):
    """An image, video or YouTube link in a product's gallery."""

    __tablename__ = "product_media"
    __table_args__ = (Index("ix_product_media_product_seq", "product_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    title: Mapped[str] = mapped_column(String(125))
    type: Mapped[str] = mapped_column(String(16))
    file_key: Mapped[str | None] = mapped_column(String(64))
    """Stored file (image, video); None for a YouTube link."""
    youtube_id: Mapped[str | None] = mapped_column(String(16))
    extension: Mapped[str] = mapped_column(String(16))
    display_order: Mapped[int] = mapped_column()
    tenant_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductHeader(Base):
    """The current background / page-header / big-header / listing-header image of a product."""

    __tablename__ = "product_headers"

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    file_key: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductCoupon(Base):
    """A discount code; ``code_key`` (the code in lower case) is unique per product."""

    __tablename__ = "product_coupons"
    __table_args__ = (
        UniqueConstraint("product_id", "code_key", name="uq_product_coupons_code"),
        Index("ix_product_coupons_product_seq", "product_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64))
    percent: Mapped[int] = mapped_column()
    max_uses: Mapped[int] = mapped_column()
    bound_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductReview(Base):
    """A customer's review; written on the website, so only the seed and admin commands add them."""

    __tablename__ = "product_reviews"
    __table_args__ = (Index("ix_product_reviews_product_seq", "product_id", "seq"),)

    seq: Mapped[int] = mapped_column(_SeqType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    """A JSON document (rich text), as the API's ``format: json`` string."""
    rating: Mapped[int] = mapped_column()
    version: Mapped[str] = mapped_column(String(80))
    votes_helpful: Mapped[int] = mapped_column(default=0)
    votes_total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
