"""Per-user fixed-window counters in Django's cache.

The cache is Redis in production, so every gunicorn worker and Celery process shares the same
counters (a per-process cache would multiply a limit by the number of processes). A window is a
fixed period (``period`` seconds, aligned on the clock); what is counted are distinct items, so
asking about the same item again within the window costs nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection

from django.core.cache import cache


def _item_key(prefix: str, item: str) -> str:
    # Short, fixed-length keys; the item itself (a blind index, say) never reaches the cache.
    return f"{prefix}:i:{hashlib.sha256(item.encode()).hexdigest()[:20]}"


def window_take(*, scope: str, who: str, items: Collection[str], limit: int, period: int) -> int:
    """Count ``items`` not yet counted in the current window against ``limit``.

    Returns 0 when they fit (and counts them), else the seconds until the window ends; a
    refused call counts nothing, so a smaller request may still pass. Concurrent calls of one
    user may overshoot by the size of one request at most: the counter is one atomic
    increment, the set of items seen is best effort.
    """
    now = time.time()
    window = int(now // period)
    retry_after = max(1, period - int(now % period))
    prefix = f"throttle:{scope}:{who}:{window}"
    keys = {_item_key(prefix, item) for item in items}
    if not keys:
        return 0
    new = keys - set(cache.get_many(list(keys)))
    if not new:
        return 0
    counter = f"{prefix}:count"
    timeout = period + 60
    cache.add(counter, 0, timeout=timeout)
    try:
        count = cache.incr(counter, len(new))
    except ValueError:  # evicted between add and incr
        cache.set(counter, len(new), timeout=timeout)
        count = len(new)
    if count > limit:
        cache.decr(counter, len(new))
        return retry_after
    cache.set_many(dict.fromkeys(new, 1), timeout=timeout)
    return 0
