from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from awards.domain.core import paging
from awards.domain.messaging import messages
from awards.domain.people import accounts
from awards.domain.voting import ballots
from awards.extensions import db
from awards.models import AuditEvent, OutboxMessage, Role, User
from awards.web.organiser import bp
from awards.web.organiser.forms import GrantRoleForm

PAGE_SIZE = 50


@bp.route("/")
def dashboard():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "queued": db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))),
        "failed": db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None)
            )
        ),
    }
    # The public's votes (thousands in a People's Choice) have their own page, and a message's copies (one per
    # recipient) are on each recipient's history: here, what people did ("Message sent" once per message).
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.not_in((*ballots.VOTER_ACTIONS, messages.RECEIVED)))
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template("organiser/dashboard.html", counts=counts, events=events, title=_("Organiser overview"))


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()
    query = select(User).order_by(User.name, User.id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(like), User.email.like(like), func.lower(User.organisation).like(like))
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages = paging.clamp(paging.requested_page(request.args), total, PAGE_SIZE)
    people = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "organiser/users.html", people=people, q=q, page=page, total=total, pages=pages, title=_("People")
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = db.session.get(User, user_id) or abort(404)
    form = GrantRoleForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        if accounts.grant_role(person, role, by=current_user):
            db.session.commit()
            granted = {
                Role.JUDGE: _("%(name)s is now a judge", name=person.name),
                Role.ORGANISER: _("%(name)s is now an organiser", name=person.name),
            }
            flash(granted.get(role, _("%(name)s has a new role", name=person.name)), "success")
        else:
            had = {
                Role.JUDGE: _("%(name)s already has the judge role", name=person.name),
                Role.ORGANISER: _("%(name)s already has the organiser role", name=person.name),
            }
            flash(had.get(role, _("%(name)s already has that role", name=person.name)), "info")
        return redirect(url_for("organiser.user", user_id=person.id))
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                # What they did (a message they sent once, not each recipient's copy) and what was done to them.
                (AuditEvent.actor_id == person.id) & (AuditEvent.action != messages.RECEIVED),
                (AuditEvent.object_type == "users") & (AuditEvent.object_id == str(person.id)),
            )
        )
        .order_by(AuditEvent.id.desc())
        .limit(30)
    ).all()
    return render_template("organiser/user.html", person=person, form=form, events=events, title=person.name)
