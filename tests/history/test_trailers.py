"""Trailer parsing from whole commit bodies."""

from __future__ import annotations

from models.history import parse_trailers


def test_github_squash_body_with_separator_and_several_blocks():
    body = (
        "Fix checkout (#9)\n\n* Initial plan\n\nCo-authored-by: a <a@x.org>\n\n* Fix it\n\n---------\n\n"
        "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"
        "Co-authored-by: b <b@x.org>\n"
    )
    assert [v for _, v in parse_trailers(body)] == [
        "a <a@x.org>",
        "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
        "b <b@x.org>",
    ]


def test_prose_is_not_a_trailer_but_well_known_keys_are():
    body = "fix: thing\n\nNote: this is prose\nthat continues.\nMade-with: Cursor\n\nSigned-off-by: A <a@x.org>\n"
    assert parse_trailers(body) == [("Made-with", "Cursor"), ("Signed-off-by", "A <a@x.org>")]


def test_folded_values_and_crlf():
    body = "Subject\r\n\r\nBug: 123\r\nChange-Id: I0123\r\n  continued\r\n"
    assert parse_trailers(body) == [("Bug", "123"), ("Change-Id", "I0123 continued")]


def test_subject_alone_has_no_trailers():
    assert parse_trailers("feat: add X") == []
    assert parse_trailers("") == []
