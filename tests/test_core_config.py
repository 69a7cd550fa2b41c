import json

import pytest

from hnviz.core.config import ConfigError, HnetConfig, RunConfig, TrainConfig
from hnviz.core.presets import default_config


def test_round_trip_through_json():
    cfg = default_config("split-digits", "ewc").replace(train={"beta": 0.1}, name="x")
    again = RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg
    assert isinstance(again.hnet.hidden, tuple)


def test_missing_keys_take_defaults():
    cfg = RunConfig.from_dict({"train": {"beta": 0.5}})
    assert cfg.train.beta == 0.5 and cfg.hnet == HnetConfig()


@pytest.mark.parametrize("d, word", [
    ({"train": {"bogus": 1}}, "train.bogus"),
    ({"train": {"beta": "a lot"}}, "train.beta"),
    ({"train": {"beta": -1.0}}, "train.beta"),
    ({"train": {"method": "magic"}}, "train.method"),
    ({"hnet": {"hidden": [10, "x"]}}, "hnet.hidden"),
    ({"task": {"benchmark": "imagenet"}}, "task.benchmark"),
    ({"task": []}, "task"),
    ([], "config"),
])
def test_bad_dicts_name_the_field(d, word):
    with pytest.raises(ConfigError, match=word.split(".")[-1]):
        RunConfig.from_dict(d)


def test_nan_rejected():
    with pytest.raises(ConfigError):
        TrainConfig(lr=float("nan"))
