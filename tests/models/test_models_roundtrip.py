"""JSON and pickle round trips for every domain model; every instance is frozen with UTC timestamps."""

from __future__ import annotations

import copy
import math
import pickle
from datetime import UTC, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from models_strategies import EVERY_MODEL, SOURCE
from pydantic import ValidationError

from trader.models import IndicatorSnapshot, parse_model


def _same(left: Any, right: Any) -> bool:
    # NaN marks an indicator warming up and never equals itself, so snapshots compare NaN-aware.
    if isinstance(left, IndicatorSnapshot):
        return (
            left.model_dump(exclude={"values"}) == right.model_dump(exclude={"values"})
            and all(
                (math.isnan(a) and math.isnan(b)) or a == b
                for a, b in zip(left.values.values(), right.values.values(), strict=True)
            )
            and left.values.keys() == right.values.keys()
        )
    return bool(left == right)


@pytest.mark.parametrize("model_cls", list(EVERY_MODEL), ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_json_and_pickle_round_trips_give_an_equal_model(model_cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(EVERY_MODEL[model_cls])
    text = model.model_dump_json()
    assert _same(model_cls.model_validate_json(text), model)
    assert _same(parse_model(model_cls, text, source=SOURCE), model)
    assert _same(model_cls.model_validate(model.model_dump()), model)
    # process pools (parameter sweeps) ship models between processes
    assert _same(pickle.loads(pickle.dumps(model)), model)
    assert _same(copy.deepcopy(model), model)


@pytest.mark.parametrize("model_cls", list(EVERY_MODEL), ids=lambda cls: cls.__name__)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_every_timestamp_is_utc_and_every_model_is_frozen(model_cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(EVERY_MODEL[model_cls])
    for name in model_cls.model_fields:
        value = getattr(model, name)
        if hasattr(value, "tzinfo"):
            assert value.tzinfo is UTC
            assert value.utcoffset() == timedelta(0)
    first = next(iter(model_cls.model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(model, first, getattr(model, first))
