"""Every page in a real browser: sign-in on every page, the keyboard's skip link, no console
error, no off-site request and the content security policy, and the agreement browser (see
:mod:`e2e.desk_site` for the desk).
"""

from __future__ import annotations

from e2e.desk_site import ROOT, VIEWPORT, Site, signed_in
from guarantor.agreement.diff import diff_versions
from guarantor.services.agreements import load_agreement_folder
from web_session import PASSWORD


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(
    browser: object, site: Site
) -> None:
    page = signed_in(browser, site, "analyst.cell", "/obligations")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_agreement_browser_shows_clauses_rules_versions_and_a_diff(
    browser: object, site: Site
) -> None:
    minsk = load_agreement_folder(ROOT / "agreements" / "minsk-2015")
    page = signed_in(browser, site, "liaison.ua", "/agreements")
    page.get_by_role("link", name=minsk.title).click()
    page.wait_for_url(f"{site.url}/agreements/minsk-2015")
    latest = minsk.latest
    assert page.locator("article.clause").count() == len(latest.clauses)
    first = latest.clauses[0]
    quote = page.locator(f"#clause-{first.id} blockquote").inner_text()
    assert quote == latest.render_clause(first.id)
    assert page.locator("#rules tbody tr").count() == len(latest.rules)
    page.get_by_label("Version", exact=True).select_option("2020-07-27")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**version=2020-07-27**")
    older = minsk.version("2020-07-27")
    assert page.locator("article.clause").count() == len(older.clauses)
    page.goto(f"{site.url}/agreements/minsk-2015/diff?from=2015-02-12&to=2022-02-22")
    changes = diff_versions(minsk.version("2015-02-12"), latest)
    assert page.locator("#diff-count").inner_text() == f"{len(changes)} changes."
    assert len(changes) > 0


UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button'))
  .filter(c => c.labels.length === 0 && !c.getAttribute('aria-label') && !c.textContent.trim())
  .map(c => c.outerHTML)"""
DUPLICATE_IDS = """() => { const seen = new Set(), twice = [];
  document.querySelectorAll('[id]').forEach(e => {
    if (seen.has(e.id)) { twice.push(e.id); } seen.add(e.id); });
  return twice; }"""


def test_no_page_logs_an_error_or_breaks_the_content_security_policy(
    browser: object, site: Site
) -> None:
    page = signed_in(browser, site, "coord.cell")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for path in ("/", "/incidents", "/obligations", "/agreements", "/agreements/minsk-2015/diff"):
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert page.evaluate(UNLABELLED) == [], f"{path}: controls without a label"
        assert page.evaluate(DUPLICATE_IDS) == [], f"{path}: ids used twice"
    first = page.locator("#queue tbody tr th a")
    page.goto(site.url + "/incidents?status=")
    first.first.click()
    page.wait_for_load_state()
    assert page.evaluate(UNLABELLED) == [] and page.evaluate(DUPLICATE_IDS) == []
    assert problems == []
    offsite = [url for url in requested if not url.startswith(site.url + "/")]
    assert offsite == []  # every asset is served by the desk itself: works with no network
    assert any(url.endswith("/static/desk.css") for url in requested)


def test_every_page_needs_sign_in_and_a_wrong_password_shows_the_form_again(
    browser: object, site: Site
) -> None:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page = context.new_page()
    for path in ("/", "/incidents", "/obligations", "/agreements/minsk-2015"):
        page.goto(site.url + path)
        assert page.url == f"{site.url}/sign-in?next={path}", path
    page.get_by_label("Username").fill("liaison.ua")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "the username or the password is wrong" in alert.inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Username").fill("liaison.ua")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/agreements/minsk-2015")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/sign-in")
    page.goto(site.url + "/obligations")
    assert page.url == f"{site.url}/sign-in?next=/obligations"  # the session has ended
    context.close()
