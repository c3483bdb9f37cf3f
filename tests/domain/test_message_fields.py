"""Merge fields of organisers' messages, as text: found as Notify writes them, filled in one pass."""

from awards.domain.messaging.messages import fields_in, fill


def test_fields_are_found_once_each_trimmed_and_in_lower_case():
    assert fields_in("((Name)) and (( name )), ((link)), (( )) and ((a(b)) ((") == ["name", "link", ""]


def test_a_value_that_looks_like_a_field_is_never_filled_in_again():
    values = {"name": "((link)) & <b>Zoë</b> 🐉", "link": "https://example.org/x"}
    assert fill("Dear ((name)), see ((LINK)) ((unknown))", values) == (
        "Dear ((link)) & <b>Zoë</b> 🐉, see https://example.org/x ((unknown))"
    )
