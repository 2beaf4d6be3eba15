"""Keeping Python's garbage collector off a long-running process's requests (issue 12).

A worker calls ``settle()`` once it has loaded everything (gunicorn's ``post_worker_init``;
``tandem bench`` before it measures):

- ``gc.freeze()`` moves what is loaded at start (Django, the URL conf, every module) out of the
  collector's reach, so a full collection walks a page's own objects only;
- the youngest generation is collected after ``YOUNG`` new container objects rather than 700.
  A list page allocates a few thousand (model instances, querysets, template contexts) and lets
  most of them go when it answers, so at 700 the collector ran three times a deal list request,
  each time walking the request's live objects, about 1 ms a request; at ``YOUNG`` it runs once
  every ten to twenty requests. What it keeps longer is a request's cyclic garbage, a few
  megabytes at most. Figures in bench/README.md.
"""

from __future__ import annotations

import gc

YOUNG = 50_000


def settle() -> None:
    """Collect once, freeze what survives, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
