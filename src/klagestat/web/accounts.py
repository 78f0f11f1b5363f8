"""Stub: filled in next."""

from fastapi import APIRouter

router = APIRouter()


def install(app) -> None:
    pass
