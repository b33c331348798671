"""Issue 16: the operator console in a real browser (Debian's chromium through its chromium-driver) against a
real stack: a coordinator on a fresh PostgreSQL database, auth, a gateway, a devnet and two canonicalizers
sharing one shard lease.

Operator login with a signature made by `guardian-operator sign`, keyboard only, on labelled controls; wallet
login through an injected EIP-1193 provider whose key signs in this test; paging through more accounts than one
page; pause and unpause with the audit entry visible; the delta feed filtered by status; the fleet page naming
the lease holder and its successor once the holder is stopped, and each canonicalizer's last passes as its
heartbeat reported them; the activity charts (submissions by status over time, submission -> canonical latency)
against GET /dashboard/activity; account search by id prefix with keyset pages; a read-only operator sees no
pause button and a forged pause is refused. A screenshot of every view goes to $GUARDIAN_TEST_ARTIFACTS (or the test's temporary
folder).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as cpb
from guardian_client import NO_RETRY, LoginClient
from guardian_devnet.control import DevnetControl
from guardian_testing.canonicalization import (
    Submitted,
    canonicalizer_env,
    seed_candidates,
    status,
    wait_until,
)
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.database import DatabaseServer
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import OperatorIdentity, operators, wallets
from guardian_testing.processes import ServiceProcess

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ACCOUNTS = 45  # more than two console pages of 20
BIN_DIR = Path(sys.executable).parent
Stack = tuple[Fleet, list[ServiceProcess], ServiceProcess]  # the fleet, the canonicalizers, the devnet

selenium = pytest.importorskip("selenium", reason="selenium is a dev dependency (make sync)")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("GUARDIAN_TEST_ARTIFACTS")
    folder = Path(configured) / "console" if configured else tmp_path_factory.mktemp("console-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def stack(
    module_services: ServiceStarter, db_server: DatabaseServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Fleet, list[ServiceProcess], ServiceProcess]:
    allowlist = tmp_path_factory.mktemp("console") / "operators.json"
    admin, reader = operators()[0], operators()[1]
    write_allowlist(allowlist, [(admin, ["dashboard:read", "accounts:pause"]), (reader, ["dashboard:read"])])
    fleet = start_fleet(
        module_services,
        database_url=db_server.create_database(),
        allowlist=allowlist,
        coordinators=1,
        auth=1,
        gateways=1,
        env={"GUARDIAN_RATE_LIMIT_ENABLED": "false"},
    )
    devnet = module_services.one("guardian-devnet")
    env = canonicalizer_env(
        fleet.coordinator_target, devnet.addresses["grpc"], GUARDIAN_CANONICALIZATION_SHARDS="1"
    )
    canonicalizers = module_services.replicas("guardian-canonicalizer", 2, **env)
    return fleet, canonicalizers, devnet


@pytest.fixture(scope="module")
def base(stack: Stack) -> str:
    return stack[0].gateway_url(0)


@pytest.fixture(scope="module")
def candidates(stack: Stack) -> list[Submitted]:
    async def seed() -> list[Submitted]:
        async with CoordinatorClient(stack[0].coordinator_target) as coordinator:
            return await seed_candidates(coordinator.custody, ACCOUNTS)

    return asyncio.run(seed())


@pytest.fixture(scope="module")
def seeded(candidates: list[Submitted]) -> list[str]:
    return [c.account_id for c in candidates]


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("chromium is not installed here (apt-get install chromium chromium-driver; .ci/run does)")
    profile = tempfile.mkdtemp(prefix="console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def wait_for(driver: WebDriver, css: str) -> Any:
    return WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, css) or False)[0]


def shot(driver: WebDriver, artifacts: Path, name: str) -> None:
    driver.save_screenshot(str(artifacts / f"{name}.png"))


async def session_cookie(http: httpx.AsyncClient, base: str, op: OperatorIdentity) -> str:
    session = await LoginClient(base, http=http, retry=NO_RETRY).operator_login(op)
    http.cookies.clear()
    return session.token


def signed_in(driver: WebDriver, base: str, token: str) -> None:
    """The browser carries an operator session made outside it (for the views after the login test)."""
    driver.get(f"{base}/console/login")
    driver.add_cookie({"name": "guardian_operator_session", "value": token, "path": "/"})


def tab_to(driver: WebDriver, element_id: str, limit: int = 12) -> None:
    """Moves the focus with the Tab key only until `element_id` has it."""
    for _ in range(limit):
        if driver.switch_to.active_element.get_attribute("id") == element_id:
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_operator_login_with_the_cli_signature_by_keyboard(
    browser: WebDriver, base: str, artifacts: Path, tmp_path: Path
) -> None:
    admin = operators()[0]
    key = tmp_path / "operator.key"
    key.write_text(admin.secret_key.to_bytes().hex() + "\n")
    key.chmod(0o600)
    browser.get(f"{base}/console/login")
    # Every control of the login form has a label naming it.
    for control in browser.find_elements(By.CSS_SELECTOR, "main input, main textarea"):
        labels = browser.find_elements(By.CSS_SELECTOR, f"label[for='{control.get_attribute('id')}']")
        assert labels and (labels[0].get_attribute("textContent") or "").strip(), control.get_attribute("id")
    browser.find_element(By.TAG_NAME, "body").click()
    tab_to(browser, "commitment")
    browser.switch_to.active_element.send_keys(admin.commitment, Keys.ENTER)
    digest = wait_for(browser, "#operator-sign:not([hidden]) #digest").text
    command = browser.find_element(By.ID, "sign-command").text
    assert command == f"guardian-operator sign --key FILE --digest {digest}"
    shot(browser, artifacts, "login-challenge")
    signature = subprocess.run(
        [str(BIN_DIR / "guardian-operator"), "sign", "--key", str(key), "--digest", digest],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert browser.switch_to.active_element.get_attribute("id") == "signature"  # focus moved there
    browser.switch_to.active_element.send_keys(signature)
    tab_to(browser, "verify")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{base}/console/")
    assert wait_for(browser, "#operator-id").text.startswith("operator ")
    shot(browser, artifacts, "overview")
    # Logout ends the session: the console sends the browser back to the login page.
    browser.find_element(By.ID, "logout").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{base}/console/login")
    browser.get(f"{base}/console/")
    assert browser.current_url == f"{base}/console/login"


# The provider hands each signing request to the test (window.__walletRequests) and resolves it with the
# signature the test puts back: the key never enters the page.
PROVIDER = """
window.__walletRequests = [];
window.ethereum = {
  request: ({ method, params }) => {
    if (method === "eth_requestAccounts") return Promise.resolve([ADDRESS]);
    if (method === "eth_signTypedData_v4") {
      return new Promise((resolve) => window.__walletRequests.push({ params, resolve }));
    }
    return Promise.reject(new Error("unsupported " + method));
  },
};
"""


def test_wallet_login_through_an_injected_provider(browser: WebDriver, base: str, artifacts: Path) -> None:
    import json

    from eth_account import Account
    from eth_account.messages import encode_typed_data

    wallet = wallets()[0]
    source = PROVIDER.replace("ADDRESS", json.dumps(wallet.address))
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
    browser.get(f"{base}/console/login")
    wait_for(browser, "#wallet-login").click()
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return window.__walletRequests.length") == 1)
    address, typed_json = browser.execute_script("return window.__walletRequests[0].params")
    assert address == wallet.address
    signed = Account.sign_message(encode_typed_data(full_message=json.loads(typed_json)), wallet.private_key)
    browser.execute_script(
        "window.__walletRequests[0].resolve(arguments[0])", "0x" + bytes(signed.signature).hex()
    )
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{base}/console/wallet")
    assert wait_for(browser, "#wallet-address").text == wallet.address
    shot(browser, artifacts, "wallet")


async def test_paging_through_more_accounts_than_one_page(
    browser: WebDriver, base: str, seeded: list[str], http: httpx.AsyncClient, artifacts: Path
) -> None:
    signed_in(browser, base, await session_cookie(http, base, operators()[1]))
    browser.get(f"{base}/console/accounts")
    seen: list[str] = []
    pages = 0
    while True:
        wait_for(browser, "#accounts")
        pages += 1
        if pages == 1:
            shot(browser, artifacts, "accounts")
        seen.extend(a.text for a in browser.find_elements(By.CSS_SELECTOR, "#accounts .account-link"))
        following = browser.find_elements(By.ID, "next-page")
        if not following:
            break
        following[0].click()
    assert pages == 3 and len(seen) == len(set(seen)) == ACCOUNTS
    assert set(seen) == set(seeded)
    # The search box opens one account by its id.
    browser.get(f"{base}/console/accounts")
    search = wait_for(browser, "#q")
    search.send_keys(seeded[7], Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{base}/console/accounts/{seeded[7]}")
    assert wait_for(browser, "#in-flight").text.startswith("Nonce 0")
    shot(browser, artifacts, "account")


async def test_delta_feed_filtered_by_status_and_the_overview_charts(
    browser: WebDriver,
    base: str,
    candidates: list[Submitted],
    http: httpx.AsyncClient,
    stack: Stack,
    artifacts: Path,
) -> None:
    token = await session_cookie(http, base, operators()[1])
    cookie = {"cookie": f"guardian_operator_session={token}"}
    landed = candidates[10]
    await DevnetControl(f"http://{stack[2].addresses['http']}").land(landed.account_id, landed.new_commitment)

    async def promoted() -> bool:
        page = await http.get(f"{base}/dashboard/deltas", params={"status": "canonical"}, headers=cookie)
        return any(d["account_id"] == landed.account_id for d in page.json()["items"])

    await wait_until(promoted, "the landed candidate promoted")
    signed_in(browser, base, token)
    browser.get(f"{base}/console/deltas?status=candidate")
    statuses = [p.text for p in wait_for(browser, "#deltas").find_elements(By.CSS_SELECTOR, "tbody .pill")]
    assert statuses and set(statuses) == {"candidate"}
    shot(browser, artifacts, "deltas")
    browser.get(f"{base}/console/deltas?status=canonical")
    rows = [r.text for r in wait_for(browser, "#deltas").find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert len(rows) == 1 and landed.account_id in rows[0] and "canonical" in rows[0]

    browser.get(f"{base}/console/")
    desc = "return document.getElementById(arguments[0]).textContent"
    assert wait_for(browser, "#promotions-chart") and browser.execute_script(desc, "promotions-desc") == (
        "1 promotions in the last hour"
    )

    def counts(chart: str) -> dict[str, int]:
        text = browser.execute_script(desc, chart)
        return {label: int(n) for label, n in (part.rsplit(": ", 1) for part in text.split(", "))}

    # Every candidate counted by status is in one waiting bucket (a page of 45 is no sample).
    assert sum(counts("waiting-chart-desc").values()) == counts("status-chart-desc")["candidate"] > 0
    shot(browser, artifacts, "overview-charts")


def _instant(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


async def test_activity_charts_show_submissions_by_status_and_the_promotion_latency(
    browser: WebDriver,
    base: str,
    candidates: list[Submitted],
    http: httpx.AsyncClient,
    stack: Stack,
    artifacts: Path,
) -> None:
    token = await session_cookie(http, base, operators()[1])
    cookie = {"cookie": f"guardian_operator_session={token}"}
    landed = candidates[20]
    deltas_url = f"{base}/dashboard/accounts/{landed.account_id}/deltas"
    (pushed,) = (await http.get(deltas_url, headers=cookie)).json()["items"]
    assert pushed["status"] == "candidate"  # its status time is its submission
    await DevnetControl(f"http://{stack[2].addresses['http']}").land(landed.account_id, landed.new_commitment)

    async def promoted() -> bool:
        (row,) = (await http.get(deltas_url, headers=cookie)).json()["items"]
        return bool(row["status"] == "canonical")

    await wait_until(promoted, "the landed candidate promoted")
    (canonical,) = (await http.get(deltas_url, headers=cookie)).json()["items"]
    latency_ms = (_instant(canonical["status_timestamp"]) - _instant(pushed["status_timestamp"])) / timedelta(
        milliseconds=1
    )

    # The JSON the charts are drawn from: every seeded candidate submitted in the last hour, by status now;
    # one promotion per canonical delta, and this one's latency in the bucket of its promotion.
    activity = (await http.get(f"{base}/dashboard/activity", headers=cookie)).json()
    info = (await http.get(f"{base}/dashboard/info", headers=cookie)).json()
    buckets = activity["buckets"]
    assert len(buckets) == 60 and activity["bucket_seconds"] == 60
    submitted = {kind: sum(b["submitted"][kind] for b in buckets) for kind in info["delta_status_counts"]}
    assert submitted == info["delta_status_counts"] and sum(submitted.values()) == ACCOUNTS
    assert sum(b["promoted"] for b in buckets) == info["delta_status_counts"]["canonical"] >= 1
    at = _instant(canonical["status_timestamp"])
    (mine,) = [
        b
        for b in buckets
        if _instant(b["start"]) <= at < _instant(b["start"]) + timedelta(seconds=activity["bucket_seconds"])
    ]
    assert mine["latency_ms"]["max"] >= latency_ms - 0.01
    if mine["promoted"] == 1:
        assert mine["latency_ms"]["p50"] == pytest.approx(latency_ms, abs=0.01)
    bad = await http.get(f"{base}/dashboard/activity", params={"buckets": "0"}, headers=cookie)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"

    signed_in(browser, base, token)
    browser.get(f"{base}/console/")
    desc = "return document.getElementById(arguments[0]).textContent"
    wait_for(browser, "#submissions-chart")
    assert (
        browser.execute_script(desc, "submissions-desc") == f"{ACCOUNTS} candidates submitted in the window"
    )
    promotions = info["delta_status_counts"]["canonical"]
    assert browser.execute_script(desc, "latency-desc").startswith(f"{promotions} promotions in the window")
    # Stacked segments: the canonical ones of the submission chart add up to the promotions.
    segments = browser.find_elements(By.CSS_SELECTOR, "#submissions-chart rect.canonical title")
    titles = [t.get_attribute("textContent") or "" for t in segments]
    counted = [re.search(r"(\d+) canonical", title) for title in titles]
    assert sum(int(found[1]) for found in counted if found) == promotions
    medians = browser.find_elements(By.CSS_SELECTOR, "#latency-chart rect.p50")
    assert len(medians) == sum(1 for b in buckets if b["promoted"])
    browser.execute_script("document.getElementById('activity').scrollIntoView()")
    shot(browser, artifacts, "activity-charts")

    # The day view: 96 buckets of 15 minutes.
    browser.find_element(By.LINK_TEXT, "Last 24 hours").click()
    WebDriverWait(browser, 30).until(lambda d: "window_seconds=86400" in d.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#latency-chart rect.p95")) >= 1


async def test_fleet_page_shows_each_canonicalizers_last_passes(
    browser: WebDriver, base: str, candidates: list[Submitted], http: httpx.AsyncClient, artifacts: Path
) -> None:
    token = await session_cookie(http, base, operators()[1])
    cookie = {"cookie": f"guardian_operator_session={token}"}
    reported: dict[str, Any] = {}

    async def full_pass_reported() -> bool:
        """The lease holder's latest full round judged every candidate in flight and left them waiting
        (none of them has landed)."""
        view = (await http.get(f"{base}/dashboard/fleet", headers=cookie)).json()
        info = (await http.get(f"{base}/dashboard/info", headers=cookie)).json()
        in_flight = info["delta_status_counts"]["candidate"]
        for member in view["canonicalizers"]:
            for summary in member["last_passes"]:
                if summary["kind"] == "full" and summary["waiting"] == in_flight and summary["failed"] == 0:
                    reported.update(summary, replica=member["replica_id"])
                    return True
        return False

    await wait_until(full_pass_reported, "a full pass reported by a heartbeat")
    assert reported["outcome"] == "completed" and reported["discarded"] == 0
    signed_in(browser, base, token)
    browser.get(f"{base}/console/fleet")
    table = wait_for(browser, f"table.passes[aria-label='Last passes of {reported['replica']}']")
    kinds = [
        r.find_element(By.CSS_SELECTOR, "td").text for r in table.find_elements(By.CSS_SELECTOR, "tr.pass")
    ]
    assert "full" in kinds and kinds == sorted(kinds)
    row = table.find_element(By.CSS_SELECTOR, "tr.pass.full")
    assert row.find_element(By.CSS_SELECTOR, ".waiting").text.isdigit()
    assert row.find_element(By.CSS_SELECTOR, ".failed").text == "0"
    shot(browser, artifacts, "fleet-passes")


async def test_account_search_by_id_prefix_keeps_keyset_paging(
    browser: WebDriver, base: str, seeded: list[str], http: httpx.AsyncClient, artifacts: Path
) -> None:
    # The first hex digit most seeded ids share: at least 3 of 45 over 16 digits, so pages of 2 take two.
    digit = max("0123456789abcdef", key=lambda d: sum(a.startswith("0x" + d) for a in seeded))
    prefix = "0x" + digit
    expected = {a for a in seeded if a.startswith(prefix)}
    assert len(expected) >= 3
    signed_in(browser, base, await session_cookie(http, base, operators()[1]))
    browser.get(f"{base}/console/accounts?limit=2")
    wait_for(browser, "#q").send_keys(digit.upper(), Keys.ENTER)  # no 0x, upper case: normalised
    WebDriverWait(browser, 30).until(lambda d: "q=" in d.current_url)
    assert wait_for(browser, "#prefix-filter code").text == prefix
    shot(browser, artifacts, "accounts-prefix")
    browser.get(f"{base}/console/accounts?q={prefix}&limit=2")
    seen: list[str] = []
    pages = 0
    while True:
        wait_for(browser, "#accounts")
        pages += 1
        seen.extend(a.text for a in browser.find_elements(By.CSS_SELECTOR, "#accounts .account-link"))
        following = browser.find_elements(By.ID, "next-page")
        if not following:
            break
        assert f"q={prefix}" in (following[0].get_attribute("href") or "")
        following[0].click()
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert pages == (len(expected) + 1) // 2
    # A longer prefix narrows to one account; the JSON route answers the same.
    one = seeded[7][:12]
    browser.get(f"{base}/console/accounts?q={one}")
    assert [
        a.text for a in wait_for(browser, "#accounts").find_elements(By.CSS_SELECTOR, ".account-link")
    ] == [a for a in seeded if a.startswith(one)]
    cookie = {"cookie": f"guardian_operator_session={await session_cookie(http, base, operators()[1])}"}
    answer = (await http.get(f"{base}/dashboard/accounts", params={"prefix": one}, headers=cookie)).json()
    assert [a["account_id"] for a in answer["items"]] == [a for a in seeded if a.startswith(one)]


async def test_pause_and_unpause_with_the_audit_entry_visible(
    browser: WebDriver, base: str, seeded: list[str], http: httpx.AsyncClient, artifacts: Path
) -> None:
    account = seeded[3]
    signed_in(browser, base, await session_cookie(http, base, operators()[0]))
    browser.get(f"{base}/console/accounts/{account}")
    wait_for(browser, "#pause-button").click()
    wait_for(browser, "#reason").send_keys("incident 42: key rotation")
    shot(browser, artifacts, "pause-confirm")
    browser.find_element(By.ID, "confirm-pause").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith(f"/console/accounts/{account}#audit"))
    assert "paused" in wait_for(browser, "#account-status").text
    first = browser.find_element(By.CSS_SELECTOR, "#audit-trail tbody tr").text
    assert "accounts.pause" in first and "incident 42: key rotation" in first and "active → paused" in first
    shot(browser, artifacts, "account-paused")
    wait_for(browser, "#unpause-button").click()
    wait_for(browser, "#confirm-unpause").click()
    WebDriverWait(browser, 30).until(lambda d: "active" in d.find_element(By.ID, "account-status").text)
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#audit-trail tbody tr")]
    assert "accounts.unpause" in rows[0] and "paused → active" in rows[0] and "accounts.pause" in rows[1]


async def test_read_only_operator_sees_no_pause_button_and_a_forged_pause_is_refused(
    browser: WebDriver,
    base: str,
    seeded: list[str],
    http: httpx.AsyncClient,
    stack: Stack,
    artifacts: Path,
) -> None:
    account = seeded[5]
    reader = await session_cookie(http, base, operators()[1])
    signed_in(browser, base, reader)
    browser.get(f"{base}/console/accounts/{account}")
    wait_for(browser, "#audit-trail")
    assert not browser.find_elements(By.ID, "pause-button")
    assert not browser.find_elements(By.ID, "unpause-button")
    browser.get(f"{base}/console/accounts/{account}/pause")
    assert wait_for(browser, "#error-code").text == "GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION"
    shot(browser, artifacts, "refused")
    # A POST forged from the console's own origin with the read-only session: refused by permission.
    forged = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: "POST", headers: {"content-type": "application/x-www-form-urlencoded"},
                             body: "reason=forged"}).then((r) => done(r.status));
        """,
        f"/console/accounts/{account}/pause",
    )
    assert forged == 403
    # An admin session replayed from another origin, or with no Origin at all: refused by the Origin check.
    admin = await session_cookie(http, base, operators()[0])
    form = {
        "content-type": "application/x-www-form-urlencoded",
        "cookie": f"guardian_operator_session={admin}",
    }
    for origin in ({"origin": "https://evil.example"}, {}):
        refused = await http.post(
            f"{base}/console/accounts/{account}/pause", content="reason=forged", headers={**form, **origin}
        )
        assert refused.status_code == 403 and "authorization_failed" in refused.text
    async with CoordinatorClient(stack[0].coordinator_target) as coordinator:
        audit = await coordinator.custody.ListAdminActions(
            cpb.ListAdminActionsRequest(account_id=account, limit=10)
        )
    assert list(audit.actions) == []  # nothing was paused


async def test_console_headers_forbid_inline_scripts(http: httpx.AsyncClient, base: str) -> None:
    page = await http.get(f"{base}/console/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "<script>" not in page.text and " style=" not in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_fleet_page_follows_the_lease_holder(
    browser: WebDriver,
    base: str,
    http: httpx.AsyncClient,
    stack: Stack,
    artifacts: Path,
) -> None:
    canonicalizers = stack[1]
    token = await session_cookie(http, base, operators()[1])
    cookie = {"cookie": f"guardian_operator_session={token}"}

    async def live_holder() -> tuple[str, int] | None:
        view = (await http.get(f"{base}/dashboard/fleet", headers=cookie)).json()
        live = [lease for lease in view["leases"] if lease["live"] and lease["shard"]]
        return (live[0]["holder_id"], live[0]["fence_token"]) if len(live) == 1 else None

    found: tuple[str, int] | None = None

    async def held() -> bool:
        nonlocal found
        found = await live_holder()
        return found is not None

    anonymous = await http.get(f"{base}/dashboard/fleet")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "authentication_failed"
    await wait_until(held, "a live shard lease")
    assert found is not None
    holder, fence = found
    signed_in(browser, base, token)
    browser.get(f"{base}/console/fleet")
    assert holder in [c.text for c in wait_for(browser, "#leases").find_elements(By.CSS_SELECTOR, ".holder")]
    shot(browser, artifacts, "fleet")

    leader = [p for p in canonicalizers if (await status(p.grpc_target)).holder_id == holder]
    assert len(leader) == 1
    leader[0].stop()

    async def moved() -> bool:
        nonlocal found
        found = await live_holder()
        return found is not None and found[0] != holder

    await wait_until(moved, "another canonicalizer holding the lease")
    assert found is not None and found[1] > fence
    browser.refresh()
    holders = [c.text for c in wait_for(browser, "#leases").find_elements(By.CSS_SELECTOR, ".holder")]
    assert holders == [found[0]]
    shot(browser, artifacts, "fleet-after-failover")


async def test_bad_console_input_is_a_page_with_the_error(
    http: httpx.AsyncClient, base: str, seeded: list[str]
) -> None:
    admin = await session_cookie(http, base, operators()[0])
    cookie = {"cookie": f"guardian_operator_session={admin}"}
    own = {**cookie, "origin": base}
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("GET", "/console/accounts?q=nonsense", {}, 400, "invalid_input"),
        ("GET", "/console/accounts?q=0x" + "a" * 31, {}, 400, "invalid_input"),
        ("GET", "/console/?window_seconds=59", {}, 400, "invalid_input"),
        ("GET", "/console/?buckets=121", {}, 400, "invalid_input"),
        ("GET", "/console/accounts?limit=abc", {}, 400, "invalid_limit"),
        ("GET", "/console/accounts?cursor=forged", {}, 400, "invalid_cursor"),
        ("GET", "/console/deltas?status=landed", {}, 400, "invalid_status_filter"),
        ("GET", "/console/accounts/0xABC", {}, 400, "invalid_input"),
        ("GET", "/console/accounts/0x" + "0" * 30, {}, 404, "account_not_found"),
        ("GET", f"/console/accounts/{seeded[0]}/explode", {}, 404, "not_found"),
        ("POST", f"/console/accounts/{seeded[0]}/pause", {"content": "reason=%20"}, 400, "invalid_input"),
        (
            "POST",
            f"/console/accounts/{seeded[0]}/pause",
            {"content": "reason=" + "x" * 513},
            400,
            "invalid_input",
        ),
        (
            "POST",
            f"/console/accounts/{seeded[0]}/pause",
            {"json": {"reason": "x"}},
            415,
            "unsupported_media_type",
        ),
    ]
    for method, path, body, code, name in cases:
        headers = dict(own)
        if "content" in body:
            headers["content-type"] = "application/x-www-form-urlencoded"
        answer = await http.request(method, f"{base}{path}", headers=headers, **body)
        assert answer.status_code == code, (path, answer.text)
        assert answer.headers["content-type"].startswith("text/html") and f">{name}<" in answer.text, path


async def test_a_coordinator_outage_is_a_retryable_error_page(
    http: httpx.AsyncClient, base: str, stack: Stack
) -> None:
    """Last in the module: it stops the coordinator."""
    reader = await session_cookie(http, base, operators()[1])
    for coordinator in stack[0].coordinators:
        coordinator.stop()
    answer = await http.get(
        f"{base}/console/accounts", headers={"cookie": f"guardian_operator_session={reader}"}
    )
    assert answer.status_code in {500, 503} and "This is temporary" in answer.text
