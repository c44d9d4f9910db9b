"""Storage keys: nomenclature layout, and nothing that could escape a folder or carry a name."""

from __future__ import annotations

import pytest

from storage import InvalidKey, rehome_key, validate_key, version_key


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((2026, "04-05", 17, 123, 3), "2026/04-05/017/123/v3"),
        ((2026, "04-05", 1, 1, 1), "2026/04-05/001/1/v1"),
        ((2026, "04-05", 1234, 9, 12), "2026/04-05/1234/9/v12"),
        ((2025, "1", 100, 77, 2), "2025/1/100/77/v2"),
        ((2025, "01.02-003.4", 5, 6, 7), "2025/01.02-003.4/005/6/v7"),
    ],
)
def test_version_key_follows_the_nomenclature(args: tuple[int, str, int, int, int], expected: str) -> None:
    assert version_key(*args) == expected


@pytest.mark.parametrize(
    "index",
    [
        "",
        "04/05",
        "../x",
        "Иванов",
        "04-05\n",
        "٠٤-٠٥",
        "1234",
        "1-2-3-4-5",
        "04--05",
        "-04",
        "04-",
        "04 05",
        "a-b",
    ],
)
def test_version_key_refuses_a_bad_nomenclature_index(index: str) -> None:
    with pytest.raises(InvalidKey):
        version_key(2026, index, 1, 1, 1)


@pytest.mark.parametrize(
    "args",
    [
        (0, "04-05", 1, 1, 1),
        (2026, "04-05", 0, 1, 1),
        (2026, "04-05", -1, 1, 1),
        (2026, "04-05", 1, 0, 1),
        (2026, "04-05", 1, 1, 0),
        (2026, "04-05", 1, 1, -3),
    ],
)
def test_version_key_numbers_must_be_positive(args: tuple[int, str, int, int, int]) -> None:
    with pytest.raises(InvalidKey):
        version_key(*args)


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "2026/04-05/017/123/v3",
        "2026/04-05/017/123/v3-ab12cd34",
        "2026/04-05/017/123/v3-ab12cd34.1a2b3c4d.pdf",
        "templates/district_passport/v1-00ff",
        "x" * 512,
        "/".join(["a"] * 256)[:511] + "b",
    ],
)
def test_valid_keys_are_returned_unchanged(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "..",
        "../etc/passwd",
        "a/../../b",
        "a/..",
        "a..b",
        "/abs",
        "/",
        "a//b",
        "a/",
        "a\\b",
        "..\\windows",
        "C:/x",
        "a/b\x00",
        "\x00",
        "семья/1",
        "café",
        "a\n",
        "a/b\n",
        "\na",
        "a\r",
        " a",
        "a b",
        "a\tb",
        ".hidden",
        ".tmp/put-1",
        "a/.",
        "./a",
        "-a",
        "_a",
        "a/~b",
        "a:b",
        "x" * 513,
    ],
)
def test_invalid_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


@pytest.mark.parametrize("key", [None, b"a/b", 1])
def test_non_string_keys_are_refused(key: object) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)  # type: ignore[arg-type]


def test_invalid_key_is_a_value_error() -> None:
    # Callers validating input treat it like any other bad value.
    assert issubclass(InvalidKey, ValueError)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("2026/04-05/017/123/v3-0a1b2c3d", "2025/04-06/002/123/v3-0a1b2c3d"),
        ("2026/04-05/017/123/v3-0a1b2c3d.9f8e7d6c.pdf", "2025/04-06/002/123/v3-0a1b2c3d.9f8e7d6c.pdf"),
        ("2026/04-05/017/123/v3-sig-0a1b2c3d", "2025/04-06/002/123/v3-sig-0a1b2c3d"),
    ],
)
def test_a_key_moves_to_another_case_keeping_its_document_part(key: str, expected: str) -> None:
    assert rehome_key(key, 2025, "04-06", 2) == expected


@pytest.mark.parametrize("key", ["2026/04-05/017", "exports/2026/abc.zip", "2026/04-05/017/123/../v1"])
def test_a_key_not_under_a_case_is_not_moved(key: str) -> None:
    with pytest.raises(InvalidKey):
        rehome_key(key, 2025, "04-06", 2)
