import gc

import pytest

from storydiff.workers import forked_map, gc_paused, threaded_map


@pytest.fixture
def collector_on():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


def test_gc_paused_disables_collection_inside_and_restores_it(collector_on):
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_gc_paused_restores_collection_when_the_block_raises(collector_on):
    with pytest.raises(KeyError), gc_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_disabled(collector_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_lasting_freezes_what_the_block_made(collector_on):
    gc.unfreeze()
    with gc_paused(lasting=True):
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() >= len(made)


def test_lasting_inside_a_paused_block_still_freezes(collector_on):
    gc.unfreeze()
    with gc_paused(), gc_paused(lasting=True):
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() >= len(made)


def _add(shared: int, job: int) -> int:
    return shared + job


def test_pools_map_in_order():
    assert forked_map(_add, 10, [1, 2, 3, 4], workers=2) == [11, 12, 13, 14]
    assert threaded_map(lambda x: x * 2, range(5), workers=2) == [0, 2, 4, 6, 8]
