"""The package imports and configures without the openai package; config errors are clear."""
import importlib.util
import json

import pytest


def test_imports_and_defaults_without_openai():
    import quotaguard

    quotaguard.configure()
    assert quotaguard.status() == "normal"
    u = quotaguard.usage()
    for key in ("requests", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost_usd", "errors"):
        assert u["total"][key] == 0
    assert set(u) >= {"total", "by_endpoint", "by_model", "by_workspace"}
    if importlib.util.find_spec("openai") is None:
        with pytest.raises(ModuleNotFoundError):
            quotaguard.openai_client(api_key="x")
    quotaguard.shutdown()


def test_config_file_env_and_overrides(tmp_path, monkeypatch):
    import quotaguard

    cfg = tmp_path / "quotaguard-tracker.toml"
    cfg.write_text('[tracker]\ndb = "hist.db"\nflush_interval_ms = 250\n'
                   '[budgets.global]\nusd_per_day = 5.0\n[alerts]\njsonl = "alerts.jsonl"\n')
    monkeypatch.setenv("QUOTAGUARD_CONFIG", str(cfg))
    eff = quotaguard.configure(budgets={"workspaces": {"acme": {"requests_per_minute": 10}}}, warning=0.7)
    assert eff["tracker"]["db"] == str(tmp_path / "hist.db")  # relative to the config file
    assert eff["budgets"]["global"]["usd_per_day"] == 5.0
    assert eff["budgets"]["workspaces"]["acme"]["requests_per_minute"] == 10
    assert eff["thresholds"]["warning"] == 0.7
    quotaguard.shutdown()
    assert (tmp_path / "hist.db").exists()
    with pytest.raises(quotaguard.ConfigError):
        quotaguard.configure(on_exhausted="fallback")  # needs fallback_model
    with pytest.raises(quotaguard.ConfigError):
        quotaguard.configure(no_such_option=1)
    bad = tmp_path / "bad.toml"
    bad.write_text("[tracker\n")
    with pytest.raises(quotaguard.ConfigError):
        quotaguard.configure(str(bad))
    json.dumps(quotaguard.stats())


def test_a_price_file_is_read_in_either_spelling_and_a_typo_is_refused(tmp_path):
    import quotaguard

    old, new, typo = tmp_path / "old.toml", tmp_path / "new.toml", tmp_path / "typo.toml"
    old.write_text('[models."gpt-4o"]\ninput = 2.5\ncached_input = 1.25\noutput = 10\n')
    new.write_text('[models."gpt-4o"]\ninput = 2.5\ncached-input = 1.25\noutput = 10\n')
    typo.write_text('[models."gpt-4o"]\ninput = 2.5\ncached-imput = 1.25\noutput = 10\n')
    for path in (old, new):
        quotaguard.configure(pricing=str(path))
        quotaguard.shutdown()
    with pytest.raises(Exception) as e:
        quotaguard.configure(pricing=str(typo))
    assert str(e.value) == (f"pricing: {typo}: line 3: unknown key 'cached-imput' in [models.\"gpt-4o\"]; "
                            "did you mean 'cached-input'?")
