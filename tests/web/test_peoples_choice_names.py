"""People's Choice with the names people really type: '&', quotes and emoji in the category and the entries' titles
and organisations read as written (once, never as markup) on the vote page, in the e-mail, on the confirmation
page, and in the results on the shortlist page after the close."""

from __future__ import annotations

from sqlalchemy import select

from awards.domain.voting import votes
from awards.extensions import db
from awards.models import OutboxMessage, PublicVote
from tests.support.visible import assert_no_markup_on_screen, main_text
from tests.support.voting import confirmation_token, open_shortlist_vote

ENTRANTS = (
    ("Bins & benches 🚮", "Riverside & Co “Digital”", "riverside.gov.uk"),
    ("GP triage <fast>", "Hillshire NHS Trust 🏥", "hillshire.nhs.uk"),
)


def test_names_with_ampersands_quotes_and_emoji_read_as_written(client, app):
    setup = open_shortlist_vote(entrants=ENTRANTS, category_name="Data & AI 🤖")
    cycle, category, vote = setup.cycle, setup.category, setup.vote
    page_url = f"/cycles/{cycle.slug}/peoples-choice/{category.slug}"

    page = client.get(page_url)
    assert page.status_code == 200
    text = main_text(page)
    assert "Data & AI 🤖" in text and "Bins & benches 🚮" in text and "GP triage <fast>" in text
    assert "Riverside & Co “Digital”" in text and "Hillshire NHS Trust 🏥" in text
    assert "&amp;" not in text and "&lt;" not in text
    assert_no_markup_on_screen(page.get_data(as_text=True), "vote page")

    option = next(o for o in vote.options if o.title.startswith("Bins"))
    client.post_form(page_url, {"option": str(option.id), "email": "sam@example.com"}, token_from=page_url)
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
    assert "Bins & benches 🚮" in message.body_text and "Data & AI 🤖" in message.subject
    assert "&amp;" not in message.body_text

    confirm_url = f"/peoples-choice/confirm/{confirmation_token(message)}"
    confirm = client.get(confirm_url)
    assert "Bins & benches 🚮" in main_text(confirm) and "&amp;" not in main_text(confirm)
    counted = client.post_form(confirm_url, token_from=confirm_url, follow_redirects=True)
    assert "Bins & benches 🚮" in main_text(counted)

    votes.close_now(db.session.get(PublicVote, vote.id), by=None)
    db.session.commit()
    shortlist = client.get(f"/cycles/{cycle.slug}/shortlist")
    results = main_text(shortlist).split("People’s Choice in Data & AI 🤖", 1)[1]
    assert "Bins & benches 🚮" in results and "Riverside & Co “Digital”" in results and "GP triage <fast>" in results
    assert_no_markup_on_screen(shortlist.get_data(as_text=True), "shortlist with results")
