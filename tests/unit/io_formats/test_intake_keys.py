"""Report keys are SHA-256 as the standard defines it: stable across library versions."""

from __future__ import annotations

from hashlib import sha256

import polars as pl

from guarantor.io.formats.keys import KEY_SEPARATOR, report_keys


def test_report_keys_are_the_first_32_hex_digits_of_sha256_as_hashlib_computes_them() -> None:
    sources = pl.Series(["osce", "media:ua", "ua-mod", None, "osce"])
    records = pl.Series(["1", None, "Дебальцеве-7", "x", None])
    raws = pl.Series(['{"a":"1"}', '{"text":"обстріл \\"Градами\\""}', "{}", "{}", "r" * 5000])
    keys = report_keys(sources, records, raws).to_list()
    expected: list[str | None] = []
    for source, record, raw in zip(sources, records, raws, strict=True):
        if source is None:
            expected.append(None)
            continue
        basis = f"{source}{KEY_SEPARATOR}{record if record is not None else raw}"
        expected.append(sha256(basis.encode("utf-8")).hexdigest()[:32])
    assert keys == expected


def test_a_known_record_keeps_the_key_earlier_releases_gave_it() -> None:
    key = report_keys(pl.Series(["osce"]), pl.Series(["SMM-2015-0001"]), pl.Series(["{}"]))
    assert key.to_list() == ["e637f64d249782b5057e24c1b49b1383"]  # SHA-256, by its standard
    assert key.dtype == pl.Utf8
