import json

import pytest

from hnviz.core.admission import admit
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
    """As every entry point reads a dict: parsed (`from_dict`: types, fields), then admitted
    (`admit`: the registries' names, the limits)."""
    with pytest.raises(ConfigError, match=word.split(".")[-1]):
        admit(RunConfig.from_dict(d))


def test_names_are_the_registries_business():
    """A config is a leaf: it builds without asking a registry; admission names the field."""
    cfg = RunConfig.from_dict({"task": {"benchmark": "imagenet"}})
    with pytest.raises(ConfigError, match=r"^task\.benchmark must be one of \('regression1d'"):
        admit(cfg)


def test_nan_rejected():
    with pytest.raises(ConfigError):
        TrainConfig(lr=float("nan"))
