"""Python's cyclic garbage collector during builds: one place for the three ways builds use it.

A build makes a few hundred thousand long-lived objects (the model, the caches) and next to
no cyclic garbage until pages render; the collector would walk those objects again and again.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a build, except while pages render.

    Loading the model and checking the cache make a few hundred thousand
    long-lived objects and no cyclic garbage, and the collector would walk
    them all again and again: a tenth of a second of a one-page build at
    10,000 pages.  Rendering makes cyclic garbage, so it runs with the
    collector on (:func:`collector_on`).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


@contextmanager
def collector_on() -> Iterator[None]:
    """Collect while rendering, leaving the objects made so far out of its walks (``gc.freeze``):
    the model and cache outlive the rendering anyway."""
    was = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()




@contextmanager
def collector_off() -> Iterator[None]:
    """Without the cyclic collector: for bursts that create many long-lived containers."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
