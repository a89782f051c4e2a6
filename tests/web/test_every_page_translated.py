"""Every page reads in Chinese (zh-hans, the default language): the staff pages each role
reaches from `/`, the portal, the admin's add-user page, the error pages (400, 403, 404, 500),
and the ticket page of a case that went through every action of the workflow catalogue.

How a page is judged, on its visible text — text nodes outside <script>, <style>, <code>,
<pre>, <textarea> and what is `hidden`, plus the attributes a person reads (title,
placeholder, aria-label, alt, a button's value):

(a) untranslated text: a text node with a Latin letter and no Chinese character, unless its
    Latin words are among the few that stay as they are (the product's name, the language
    switcher's "English", file formats, keys); a token with a digit (a ticket or taxpayer
    number, a date) is data. All the data this test creates is Chinese, so a Latin-only node
    is a msgid left untranslated, a string never marked for translation, or a raw code.
    (Comparing with the English page was not needed: no Latin-only text is right in Chinese
    but for those few words.)
(b) a raw code where a name exists: a text node, a timeline value (dd) or a table cell that is
    exactly a code the system knows and has a name for — category, department, urgency,
    severity, validity, satisfaction, status, kind, channel, event kind, action, milestone,
    deadline state, role, notification kind, a pack field's choice — or a Latin word in a
    Chinese text that is one of the pack's own codes (a category or department code such as
    `goods-tax`).
(c) English inside a Chinese text: a run of Latin words that is itself a msgid of the
    catalogue (a label put into a sentence untranslated, as the sweep's "— reminder" was).

The ticket pages are made in zh-hans too (`story`): what the services store as text
(notifications) is written in the language of the moment, as in a centre.
"""

import ast
import functools
import io
import re
import tokenize
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import include, path
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from closeloop.directory.roles import Role
from closeloop.knowledge import services as kb
from closeloop.notifications.reasons import REASONS
from closeloop.policy.services import pack_active
from closeloop.quality import services as qa
from closeloop.sla.labels import MILESTONE_LABELS, STATE_LABELS
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import choices, services
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.statuses import Status
from tests.conftest import demo_people
from tests.pages import page_links, path_kind

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PAGES_PER_CRAWL = 80
# Latin words that are the same in Chinese text: the product's name, the language switcher's
# own name for English, file formats, keys on the keyboard, "App" (as Chinese writes it).
KEPT = {"closeloop", "English", "PDF", "XLSX", "CSV", "API", "Ctrl", "Shift", "Enter", "Alt", "App"}
HIDDEN = {"script", "style", "code", "pre", "textarea"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def _words(text: str) -> set[str]:
    """The Latin words of a text; a token with a digit (a number, a date, a ticket number, a
    taxpayer number) is data, not a word."""
    tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]*", text)
    return {t for t in tokens if not any(c.isdigit() for c in t)}


def _latin_only(text: str) -> bool:
    has_latin = any("a" <= c.lower() <= "z" for c in text)
    has_chinese = any("\u4e00" <= c <= "\u9fff" for c in text)
    return has_latin and not has_chinese


class _Text(HTMLParser):
    """Visible text nodes (with the tag they sit in) and the attributes a person reads; not
    what is `hidden` or `aria-hidden` (the portal's honeypot field)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[tuple[str, str]] = []

    def _hidden(self) -> bool:
        return any(tag in HIDDEN or hidden for tag, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        hidden = "hidden" in values or values.get("aria-hidden") == "true"
        if not (hidden or self._hidden()):
            for name in sorted(READ_ATTRIBUTES & set(values)):
                self.nodes.append((f"@{name}", values[name].strip()))
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.nodes.append(("@value", values.get("value", "").strip()))
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        if any(t == tag for t, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._hidden():
            return
        text = " ".join(data.split())
        if text:
            self.nodes.append((self.stack[-1][0] if self.stack else "", text))


def visible_text(html: str) -> list[tuple[str, str]]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [(tag, text) for tag, text in parser.nodes if text]


def known_codes() -> tuple[set[str], set[str]]:
    """(codes with a name anywhere, the pack's own codes for departments and categories)."""
    pack = pack_active()
    own = _pack_codes(pack.categories) | _pack_codes(pack.departments)
    codes = set(own)
    codes |= {level.code for level in pack.urgency.levels}
    codes |= {c.code for f in pack.fields if f.type == "choice" for c in f.choices}
    codes |= {r.code for r in pack.referrals}
    for enum in vars(choices).values():
        if (
            isinstance(enum, type)
            and issubclass(enum, models.Choices)
            and enum is not models.Choices
        ):
            codes |= {str(v) for v in enum.values if v}
    codes |= {str(s) for s in Status} | {str(r) for r in Role}
    codes |= {a.code for a in ACTIONS.values()} | set(ACTIONS)
    # Every event kind written, whether by an action, the deadline sweep or quality control.
    codes |= set(TicketEvent.objects.unscoped().values_list("action", flat=True))
    codes |= set(REASONS) | set(MILESTONE_LABELS) | set(STATE_LABELS)
    return codes, own


def _pack_codes(nodes: Any) -> set[str]:
    out: set[str] = set()
    for node in nodes or []:
        out.add(node.code)
        out |= _pack_codes(getattr(node, "children", None))
    return out


def problems_in(
    html: str, codes: set[str], own: set[str], data: frozenset[str] | set[str]
) -> list[str]:
    out = []
    for tag, text in visible_text(html):
        if text in data:
            continue
        bare = text.strip(" :：·—()（）")
        if bare in codes:
            out.append(f"raw code {bare!r} in <{tag}>")
        elif _latin_only(text) and not _words(text) <= KEPT:
            out.append(f"untranslated {text!r} in <{tag}>")
        else:
            words = {w.strip(".,;:()") for w in text.split()}
            for word in sorted(words & own):
                out.append(f"raw code {word!r} in {text!r}")
            # English inside a Chinese text: a msgid put in untranslated (`— reminder`).
            runs = re.findall(r"[A-Za-z][A-Za-z' ]*[A-Za-z]", text)
            for run in sorted(set(runs) & _msgids() - KEPT):
                out.append(f"untranslated {run!r} in {text!r}")
    return out


@functools.cache
def _msgids() -> frozenset[str]:
    return frozenset(e.msgid for e in polib.pofile(str(PO)) if e.msgid)


# --------------------------------------------------------------------------- the site


def _pdf(name: str) -> services.FileInput:
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    return services.FileInput(
        name=name, content_type="application/pdf", size=len(body), read=lambda: body
    )


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # codes such as goods-tax and inspection, quality, reports


@pytest.fixture
def people(pack: Any) -> dict[str, Any]:
    people = demo_people("tax-hotline-12366")
    for user in people.values():
        user.display_name = {
            "agent": "王座席", "liaison": "李联络", "liaison-inspection": "赵联络",
            "handler": "张承办", "handler-inspection": "钱承办", "supervisor": "孙主管",
            "leader": "周领导", "inspector": "吴质检", "admin": "郑管理",
        }.get(user.username, "带班人员")  # fmt: skip
        if user.username == "admin":
            user.is_staff = user.is_superuser = True
        user.save()
    return people


@pytest.fixture
def story(people: dict[str, Any]) -> dict[str, str]:
    """A report taken through every action of the catalogue (a decline and a merge end a case,
    so two more tickets take those), scored by quality control with a correction, and past a
    deadline the sweep acts on. Made in zh-hans, as a centre would: the texts the services
    store (notifications) are written in the language active when they are made."""
    with translation.override("zh-hans"):
        return _story(people)


def _story(people: dict[str, Any]) -> dict[str, str]:
    p = people
    agent, liaison, handler = p["agent"], p["liaison"], p["handler"]
    supervisor, leader = p["supervisor"], p["leader"]
    report = services.TicketInput(
        kind="report",
        channel="web",
        subject="某企业虚开增值税发票",
        description="该企业多次虚开发票。",
        category="false-invoice",
        urgency="urgent",
        customer=services.CustomerInput(name="张三", phone="13800138000"),
        fields={"reported_taxpayer_id": "91310000MA1FL0000X"},
    )
    t = services.ticket_register(actor=agent, data=report)
    n = t.number
    consult = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind="consultation",
            channel="web",
            subject="发票领用",
            category="invoice",
            customer=services.CustomerInput(name="张三", phone="13800138000", address="幸福路1号"),
        ),
    )
    later = timezone.now() + timedelta(days=10)
    deadlines_sweep(now=later)  # the same-day dispatch is overdue: reminded
    services.ticket_accept(agent, n)
    services.ticket_answer(agent, n, reply="已告知举报受理流程。")
    services.ticket_reopen(agent, n, reason="举报人要求立案调查")
    services.ticket_dispatch(agent, n, department="inspection")
    services.ticket_transfer(agent, n, department="goods-tax")
    services.ticket_send_back(liaison, n, reason="应由稽查局办理")
    services.ticket_dispatch(agent, n, department="goods-tax")
    services.ticket_assign(liaison, n, handler=handler.username)
    services.ticket_progress(handler, n, note="已联系企业核实。")
    services.ticket_extend(
        handler, n, until=timezone.now() + timedelta(days=20), reason="需调取账簿"
    )
    services.ticket_decide_extension(supervisor, n, approved=True, comment="同意")
    services.ticket_submit_plan(handler, n, plan="移交稽查立案。")
    services.ticket_reject_plan(leader, n, comment="先核实金额")
    services.ticket_submit_plan(handler, n, plan="核实金额后移交稽查。")
    services.ticket_approve_plan(leader, n, comment="同意")
    services.ticket_suspend(handler, n, reason="等待企业提供材料")
    services.ticket_resume(handler, n)
    services.ticket_remind(agent, n, note="请尽快办理")
    services.ticket_supervise(supervisor, n, note="督办此件")
    services.ticket_note(handler, n, text="材料已收到。")
    services.ticket_attach(handler, n, files=[_pdf("核查报告.pdf")])
    services.ticket_resolve(
        handler, n, reply="经核实,已移交稽查局立案。", validity="valid", cause="企业违规"
    )
    services.ticket_reply(agent, n, reply="已电话告知举报人。", method="phone")
    services.ticket_return_visit(agent, n, satisfaction="dissatisfied", comment="希望告知结果")
    services.ticket_resolve(handler, n, reply="已立案并告知。", validity="valid")
    services.ticket_return_visit(agent, n, satisfaction="satisfied")
    services.ticket_answer(agent, consult.number, reply="可在电子税务局领用。")
    services.ticket_close(agent, consult.number, note="办结归档")
    qa.inspection_score(
        p["inspector"],
        n,
        {"attitude": 20, "communication": 20, "answer_quality": 10},
        comment="首次答复不准确",
        wrong_answer=True,
    )
    qa.correction_done(agent, n, note="已再次联系举报人说明。")
    # A duplicate merged into a live case, and a case declined.
    # The consultation's caller again, now with a company: the customer record is updated.
    live = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口排队过长",
            category="service-quality",
            customer=services.CustomerInput(
                name="张三", phone="13800138000", organisation="某某贸易公司"
            ),
        ),
    )
    duplicate = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口排队时间过长",
            category="service-quality",
        ),
    )
    services.ticket_merge(agent, duplicate.number, into=live.number)
    services.ticket_answer(agent, live.number, reply="已协调增开窗口。")
    token = services.survey_invitation_issue(live, now=timezone.now())
    declined = services.ticket_register(
        actor=agent,
        data=services.TicketInput(kind="report", channel="web", subject="某干部受贿"),
    )
    if Ticket.objects.get(number=declined.number).status == Status.REGISTERED:
        services.ticket_decline(agent, declined.number, reason="廉政举报请向纪检监察部门反映")
    article = kb.article_create(
        agent,
        kb.ArticleInput(title="申报期限", question="何时申报?", answer="15日前。", public=True),
    )
    kb.article_publish(supervisor, article.pk)
    qa.inspection_sample(qa.period_current(), seed=1)
    done = {e.action for e in Ticket.objects.get(number=n).events.all()}
    done |= {e.action for t in (consult, live, duplicate, declined) for e in t.events.all()}
    assert {a.code for a in ACTIONS.values()} <= done
    assert {"customer_update", "merged_in", "overdue", "correction", "correction_done"} <= done
    return {"story": n, "consult": consult.number, "live": live.number, "duplicate": duplicate.number,
            "declined": declined.number, "survey_token": token}  # fmt: skip


def crawl(client: Client, start: str, prefix: str = "/", skip: tuple[str, ...] = ()) -> dict:
    """The zh-hans pages reached from `start`, one of each kind: {url: html}."""
    queue, seen, pages = deque([start]), set(), {}
    while queue and len(pages) < PAGES_PER_CRAWL:
        url = queue.popleft()
        # One page of each kind, and of each queue or tab (`?view=`): they list other cases.
        view = re.search(r"[?&](view|tab)=([^&]*)", url)
        kind = path_kind(url.split("?")[0]) + (view.group(0) if view else "")
        if kind in seen or not url.startswith(prefix) or any(s in url for s in skip):
            continue
        seen.add(kind)
        response = client.get(url, follow=True, **ZH)
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        base = "http://testserver" + response.request["PATH_INFO"]
        queue.extend(page_links(html, base))
    assert len(pages) > 2, f"the crawl from {start} found nothing"
    return pages


STAFF = ["agent", "supervisor", "leader", "inspector", "admin", "liaison", "handler"]


@pytest.mark.parametrize("who", STAFF)
def test_every_staff_page_reads_in_chinese(
    people: dict[str, Any], story: dict[str, str], who: str
) -> None:
    client = Client()
    client.force_login(people[who])
    pages = crawl(client, "/", skip=("/admin/",))
    for number in (story[k] for k in ("story", "consult", "live", "duplicate", "declined")):
        response = client.get(f"/tickets/{number}/", **ZH)
        if response.status_code == 200:
            pages[f"/tickets/{number}/"] = response.content.decode()
    assert_chinese(pages)


def assert_chinese(pages: dict[str, str], data: frozenset[str] | set[str] = frozenset()) -> None:
    """Each problem once, with the first page it was seen on; `data`: texts that are data."""
    codes, own = known_codes()
    found: dict[str, str] = {}
    for url, html in pages.items():
        for problem in problems_in(html, codes - data, own, data):
            found.setdefault(problem, url)
    assert not found, "\n" + "\n".join(f"{url}: {p}" for p, url in found.items())


def test_portal_pages_read_in_chinese(story: dict[str, str]) -> None:
    from closeloop.channels.portal.views import PROOF_KEY

    client = Client()
    pages = crawl(client, "/portal/", prefix="/portal/")
    for key in ("story", "live"):
        ticket = Ticket.objects.unscoped().get(number=story[key])
        session = client.session
        session[PROOF_KEY] = {"number": ticket.number, "code": ticket.public_code}
        session.save()
        pages[f"/portal/status/ ({key})"] = client.get("/portal/status/", **ZH).content.decode()
    survey = client.get(f"/portal/survey/{story['survey_token']}/", **ZH)
    assert survey.status_code == 200
    pages["/portal/survey/"] = survey.content.decode()
    assert_chinese(pages)


def test_the_admins_add_user_page_reads_in_chinese(people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["admin"])
    response = client.get("/admin/directory/user/add/", **ZH)
    assert response.status_code == 200
    # The admin greets the person by username: data, not text.
    usernames = {user.username for user in people.values()}
    assert_chinese({"/admin/directory/user/add/": response.content.decode()}, data=usernames)


def boom(request: Any) -> Any:
    raise RuntimeError("a bug in a view")


# pytest.mark.urls: the site's own URLs plus one view that fails, for the 500 page.
urlpatterns = [path("boom/", boom), path("", include("config.urls"))]


@pytest.fixture
def chinese_by_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # as installed: a browser that asks for nothing


@pytest.mark.urls(__name__)
def test_the_error_pages_read_in_chinese_with_a_way_back(
    people: dict[str, Any], chinese_by_default: None
) -> None:
    staff = Client(raise_request_exception=False)
    staff.force_login(people["handler"])
    answers = {
        "404, staff": staff.get("/no-such-page/"),
        "404, a ticket not theirs": staff.get("/tickets/20000101-999999/"),
        "404, anonymous": Client().get("/no-such-page/"),
        "404, portal": Client().get("/portal/no-such-page/"),
        "500": staff.get("/boom/"),
        "500, anonymous": Client(raise_request_exception=False).get("/boom/"),
        "403, not for this role": staff.get("/intake/"),
        "400, unknown host": Client().get("/login/", HTTP_HOST="evil.example.org"),
    }
    headings = {"404": "页面不存在", "500": "出错了", "403": "无权访问", "400": "请求无效"}
    pages = {}
    for name, response in answers.items():
        assert response.status_code == int(name[:3]), name
        html = response.content.decode()
        assert 'data-testid="error-page"' in html, name
        assert headings[name[:3]] in html, name
        assert 'href="/"' in html, name  # a way back
        pages[name] = html
    assert 'href="/portal/"' in pages["404, portal"]
    assert_chinese(pages)
    # English is complete too.
    english = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page not found" in english and "Back to the start" in english


def test_the_intake_fragments_read_in_chinese(
    people: dict[str, Any], story: dict[str, str]
) -> None:
    """The pieces htmx swaps into the intake page: knowledge suggestions, the caller's history
    (with its repeat warning) and the rules' preview of a report routed to a department."""
    client = Client()
    client.force_login(people["agent"])
    answers = {
        "suggest": client.get("/knowledge/suggest/", {"subject": "申报期限"}, **ZH),
        "history": client.get("/intake/history/", {"phone": "13800138000"}, **ZH),
        "preview": client.post(
            "/intake/preview/",
            {"kind": "report", "category": "false-invoice", "subject": "虚开发票"},
            **ZH,
        ),
        "preview, declined": client.post(
            "/intake/preview/", {"kind": "report", "subject": "某干部受贿"}, **ZH
        ),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    assert story["story"] in answers["history"].content.decode()
    assert_chinese({name: r.content.decode() for name, r in answers.items()})


def test_the_timeline_names_what_its_events_store(
    people: dict[str, Any], story: dict[str, str]
) -> None:
    """The codes the issue saw in the timeline (`inspection`, `goods-tax`, `normal`, `valid`,
    `correction`) read as their names; the handler is named, not given by username."""
    client = Client()
    client.force_login(people["supervisor"])
    html = client.get(f"/tickets/{story['story']}/", **ZH).content.decode()
    timeline = html[html.index('id="timeline"') :]
    timeline = timeline[: timeline.index("</section>")]
    text = [t for _tag, t in visible_text(timeline)]
    for name in ("稽查局", "货物和劳务税科", "紧急", "有效", "张承办", "需纠错", "已纠错"):
        assert name in text, name
    for code in ("inspection", "goods-tax", "urgent", "valid", "handler", "correction"):
        assert code not in text, code
    live = client.get(f"/tickets/{story['live']}/", **ZH).content.decode()
    assert "普通" in [t for _tag, t in visible_text(live[live.index('id="timeline"') :])]


# --------------------------------------------------------------------------- the catalogue

GETTEXT = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy",
    "ngettext", "ngettext_lazy", "npgettext", "npgettext_lazy",
}  # fmt: skip
CONTEXT_FIRST = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def _hidden_aliases(source: str) -> list[str]:
    """Names given to Django's gettext functions that the catalogue's refresh (makemessages)
    does not read: texts marked with them would be dropped from the catalogue."""
    return [
        f"{alias.name} as {alias.asname}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.asname not in (None, "_")
    ]


def _marked_in_python(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in GETTEXT:
            continue
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if not texts or not all(isinstance(t, str) for t in texts):
            continue
        if name in CONTEXT_FIRST and len(texts) >= 2:
            found.add((texts[0], texts[1]))
        else:
            found.add((None, texts[0]))
    return found


def _marked_in_template(source: str) -> set[tuple[str | None, str]]:
    """What makemessages reads from a template: Django's own `templatize` turns the
    {% translate %} and {% blocktranslate %} tags into gettext calls amid filler."""
    text = templatize(source)
    found = set()
    for match in re.finditer(r"\b(n?p?gettext)\(", text):
        tokens = tokenize.generate_tokens(io.StringIO(text[match.end() :]).readline)
        strings: list[str] = []
        for token in tokens:
            if token.type == tokenize.OP and token.string == ")":
                break
            if token.type == tokenize.STRING:
                strings.append(ast.literal_eval(token.string))
        if match.group(1) in ("pgettext", "npgettext"):
            found.add((strings[0], strings[1]))
        elif strings:
            found.add((None, strings[0]))
    return found


def test_every_text_marked_for_translation_is_in_the_catalogue() -> None:
    """A text marked in the code or a template but missing from the catalogue shows in English
    whatever the language (the sweep's "reminder" did, in every escalation notice). Texts are
    read as the catalogue's refresh reads them, so it would not drop any: only `_` may rename a
    gettext function."""
    root = Path(settings.BASE_DIR)
    catalogue = polib.pofile(str(PO))
    translated = {(e.msgctxt or None, e.msgid) for e in catalogue if e.translated()}
    marked: dict[tuple[str | None, str], str] = {}
    aliases = []
    for source in sorted((root / "closeloop").rglob("*.py")):
        if "migrations" not in source.parts:
            text = source.read_text(encoding="utf-8")
            aliases += [f"{source.relative_to(root)}: {a}" for a in _hidden_aliases(text)]
            for key in _marked_in_python(text):
                marked.setdefault(key, str(source.relative_to(root)))
    assert aliases == []
    templates = [*(root / "templates").rglob("*.html"), *(root / "closeloop").rglob("*.html")]
    for template in sorted(templates):
        for key in _marked_in_template(template.read_text(encoding="utf-8")):
            marked.setdefault(key, str(template.relative_to(root)))
    missing = {
        f"{where}: {key[1]!r}" + (f" ({key[0]})" if key[0] else "")
        for key, where in marked.items()
        if key not in translated
    }
    assert not missing, "\n" + "\n".join(sorted(missing))
