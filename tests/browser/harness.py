"""A real Home Assistant, the simulated PBXs and a headless Chromium, for browser tests and
`scripts/screenshots`.

Nothing here depends on pytest: `tests/browser/conftest.py` wraps these pieces in fixtures, and
`tests/browser/screenshots.py` uses them against the demo.

- :class:`Simulator` serves every simulated PBX of `python -m simulator` on loopback, in a child
  process that takes commands, so that a test can ring an extension when it wants
  (:meth:`Simulator.ring`).
- :class:`HomeAssistantProcess` runs `hass` in a child process with a fresh configuration
  directory, completes the onboarding over REST and adds PBXs through the config flow.
- :func:`new_driver` starts Debian's headless Chromium through its chromedriver (selenium);
  :func:`login` logs in through Home Assistant's login page.
- Home Assistant's frontend is made of web components, each with its own shadow root:
  :func:`deep_query`, :func:`deep_text` and :func:`wait_for_element` look through all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import requests
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
import websocket

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PBX_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("PBX_CHROMEDRIVER", "/usr/bin/chromedriver"))
INSTALL_HINT = "apt-get install -y chromium chromium-driver"

USERNAME = "demo"
PASSWORD = "demo-pbx-2026"  # the demo's published login (scripts/demo_onboard.py)
CLIENT_ID = "http://127.0.0.1/"


def chromium_missing() -> str | None:
    """Why no browser test can run here, or None when Chromium and its driver are installed."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return None
    return f"Chromium is not installed ({', '.join(missing)} missing): {INSTALL_HINT}"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until[T](
    condition: Callable[[], T | None], timeout: float, what: str, step: float = 0.2
) -> T:
    """Call `condition` until it returns something true; raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} (after {timeout:.0f} s)")
        time.sleep(step)


# --- the simulator ---------------------------------------------------------------------------


class Simulator:
    """`python -m simulator`'s PBXs in a child process (`tests/browser/simulator_process.py`).

    Each vendor serves its own site on free loopback ports, without random traffic: calls
    happen when a test places them with :meth:`ring` or :meth:`model`.
    """

    def __init__(self, log: Path, argv: list[str] | None = None) -> None:
        """Prepare the simulator; `argv` are extra `python -m simulator` options."""
        self.log = log
        self.argv = argv or []
        self.flows: dict[str, dict[str, Any]] = {}
        """What a user types into the config flow to add each PBX, by vendor."""
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def start(self, timeout: float = 60) -> None:
        """Start the simulator; wait until every PBX serves."""
        with self.log.open("w") as err:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.simulator_process", *self.argv],
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
        self.flows = self._answer(timeout)["pbxs"]

    def _answer(self, timeout: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the simulator did not answer; see {self.log}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def model(self, vendor: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a method of `vendor`'s `PbxModel` (or read an attribute); return it as JSON."""
        assert self._process is not None and self._process.stdin is not None
        request = {"vendor": vendor, "method": method, "args": args, "kwargs": kwargs}
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            answer = self._answer(30)
        if "error" in answer:
            raise RuntimeError(f"simulator {vendor}.{method}: {answer['error']}")
        return answer["result"]

    def idle_extension(self, vendor: str) -> str:
        """An extension of `vendor`'s site that can take a call now (registered, idle, no DND)."""
        extensions: dict[str, dict[str, Any]] = self.model(vendor, "extensions")
        for number, extension in sorted(extensions.items()):
            if (
                extension["registered"]
                and extension["presence"] != "do_not_disturb"
                and self.model(vendor, "extension_state", number) == "idle"
            ):
                return number
        raise LookupError(f"no idle extension on {vendor}")

    def ring(self, vendor: str, extension: str, caller: str, caller_name: str | None = None) -> str:
        """An outside caller rings one of `vendor`'s extensions; return the call's id."""
        call = self.model(vendor, "inbound_call", caller, extension, caller_name=caller_name)
        return str(call["call_id"])

    def stop(self) -> None:
        """Stop the simulator (it stops at the end of its input)."""
        if self._process is None or self._process.poll() is not None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)


# --- Home Assistant ---------------------------------------------------------------------------

CONFIGURATION = """\
homeassistant:
  name: PBX browser test
  unit_system: metric
  time_zone: UTC
  country: GB
  currency: EUR
  internal_url: {url}
  external_url: {url}
frontend:
config:
conversation:
history:
logbook:
logger:
  default: warning
  logs:
    custom_components.pbx: info
"""
HTTP_YAML = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""
# Since 2026.10 Home Assistant keeps its `http:` settings in its storage: YAML ones are a
# deprecated trial it asks to confirm (and reverts after five minutes). Where it does, the
# settings are stored before it starts, as if made in its UI.
HTTP_STORE = """\
import json, sys
try:
    from homeassistant.components.http import config
    schema = config.HTTP_STORAGE_SCHEMA
except ImportError, AttributeError:
    sys.exit(3)
stable = {
    **schema({"server_host": ["127.0.0.1"], "server_port": int(sys.argv[1])}),
    "created_at": "2026-01-01T00:00:00+00:00", "error": None, "error_message": None,
}
print(json.dumps({
    "version": config.STORAGE_VERSION, "minor_version": config.STORAGE_MINOR_VERSION,
    "key": config.STORAGE_KEY,
    "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
}, default=str))
"""


@dataclass
class HomeAssistantProcess:
    """`hass` in a child process with its own configuration directory, and a REST/WS client.

    `python` is the interpreter whose Home Assistant runs (default: this one).
    """

    config_dir: Path
    port: int = field(default_factory=free_port)
    python: str = sys.executable
    token: str = ""
    process: subprocess.Popen[bytes] | None = None
    entries: dict[str, str] = field(default_factory=dict)
    """The config entry id of each PBX added by :meth:`add_pbx`, by vendor."""

    @property
    def url(self) -> str:
        """Where the frontend is served."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """Home Assistant's output."""
        return self.config_dir / "home-assistant.out"

    def start(self, timeout: float = 120) -> None:
        """Write a configuration with this integration, start `hass`, wait for its frontend."""
        components = self.config_dir / "custom_components"
        components.mkdir(parents=True, exist_ok=True)
        target = components / "pbx"
        if not target.exists():
            target.symlink_to(REPO / "custom_components" / "pbx")
        configuration = CONFIGURATION.format(url=self.url)
        store = subprocess.run(
            [self.python, "-c", HTTP_STORE, str(self.port)],
            capture_output=True,
            text=True,
            check=False,
        )
        if store.returncode == 0:
            (self.config_dir / ".storage").mkdir(exist_ok=True)
            (self.config_dir / ".storage" / "http").write_text(store.stdout)
        else:
            configuration += HTTP_YAML.format(port=self.port)
        (self.config_dir / "configuration.yaml").write_text(configuration)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [self.python, "-m", "homeassistant", "-c", str(self.config_dir)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._answers, timeout, f"Home Assistant did not start; see {self.log}", 0.5)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"Home Assistant exited; see {self.log}")
        try:
            return requests.get(f"{self.url}/manifest.json", timeout=5).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Stop `hass` (it saves its state), killing it when it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def onboard(self) -> str:
        """Create the demo user through the onboarding, finish it; keep and return a token."""
        answer = requests.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
            timeout=30,
        )
        answer.raise_for_status()
        self.token = self._exchange(answer.json()["auth_code"])
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}),
        ):
            self.rest("post", f"/api/onboarding/{step}", body)
        self.confirm_http_config()
        return self.token

    def confirm_http_config(self) -> None:
        """Keep the `http:` settings of configuration.yaml, as "Confirm" in the frontend does.

        Since 2026.10 Home Assistant moves them to its storage as a trial, asks in the
        frontend to confirm them, and restarts with its defaults (port 8123, every address)
        when nobody does within five minutes.
        """
        with contextlib.suppress(RuntimeError):  # nothing to confirm, or an older release
            self.ws({"type": "http/config/promote"})

    def _exchange(self, code: str) -> str:
        answer = requests.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    @classmethod
    def running(cls, url: str) -> HomeAssistantProcess:
        """A Home Assistant that runs already (the demo's), logged in as the demo user."""
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        ha = cls(Path(tempfile.gettempdir()), port=port)
        ha.login()
        return ha

    def login(self, username: str = USERNAME, password: str = PASSWORD) -> str:
        """Log in through the login flow (an onboarded instance); keep and return a token."""
        flow = requests.post(
            f"{self.url}/auth/login_flow",
            json={
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID,
            },
            timeout=30,
        ).json()
        result = requests.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json={"client_id": CLIENT_ID, "username": username, "password": password},
            timeout=30,
        ).json()
        self.token = self._exchange(result["result"])
        return self.token

    def rest(self, method: str, path: str, body: Any = None) -> Any:
        """Call Home Assistant's REST API with the token; return the decoded answer."""
        answer = requests.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        if not answer.ok:
            raise RuntimeError(f"{method.upper()} {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None

    def ws(self, message: dict[str, Any]) -> Any:
        """Send one WebSocket API command; return its result (raise on an error answer)."""
        with self._websocket() as conn:
            conn.send(json.dumps({"id": 1, **message}))
            while True:
                answer = json.loads(conn.recv())
                if answer.get("id") == 1 and answer.get("type") == "result":
                    if not answer["success"]:
                        raise RuntimeError(f"{message['type']}: {answer['error']}")
                    return answer["result"]

    @contextlib.contextmanager
    def _websocket(self) -> Iterator[websocket.WebSocket]:
        conn = websocket.create_connection(f"ws://127.0.0.1:{self.port}/api/websocket", timeout=60)
        try:
            json.loads(conn.recv())  # auth_required
            conn.send(json.dumps({"type": "auth", "access_token": self.token}))
            if json.loads(conn.recv()).get("type") != "auth_ok":
                raise RuntimeError("Home Assistant refused the access token")
            yield conn
        finally:
            conn.close()

    def add_pbx(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Add one PBX through the config flow: its vendor, then what its form asks for."""
        path = "/api/config/config_entries/flow"
        flow = self.rest("post", path, {"handler": "pbx", "show_advanced_options": False})
        flow = self.rest("post", f"{path}/{flow['flow_id']}", {"vendor": inputs["vendor"]})
        asked = {item["name"] for item in flow.get("data_schema", [])}
        answers = {key: value for key, value in inputs.items() if key in asked}
        result: dict[str, Any] = self.rest("post", f"{path}/{flow['flow_id']}", answers)
        if result.get("type") != "create_entry":
            raise RuntimeError(f"{inputs.get('title')}: not added: {result}")
        self.entries[inputs["vendor"]] = result["result"]["entry_id"]
        if options := inputs.get("options"):  # as the demo sets them (a default extension)
            self.set_options(result["result"]["entry_id"], options)
        return result

    def set_options(self, entry_id: str, options: dict[str, Any]) -> None:
        """Save options through the options flow, once the entry is loaded."""
        path = "/api/config/config_entries/options/flow"

        def options_form() -> dict[str, Any] | None:
            try:
                answer: dict[str, Any] = self.rest("post", path, {"handler": entry_id})
            except RuntimeError:  # the entry is still being set up
                return None
            return answer if answer.get("type") == "form" else None

        flow = wait_until(options_form, 30, f"no options form for {entry_id}", 0.5)
        result = self.rest("post", f"{path}/{flow['flow_id']}", options)
        if result.get("type") != "create_entry":
            raise RuntimeError(f"options of {entry_id} not saved: {result}")

    def wait_loaded(self, timeout: float = 60) -> None:
        """Wait until every PBX entry is set up (after the reloads that saving options does)."""
        wait_until(
            lambda: all(entry["state"] == "loaded" for entry in self.pbx_entries()),
            timeout,
            "the PBXs were not all set up",
            0.5,
        )

    def pbx_entries(self) -> list[dict[str, Any]]:
        """The PBX config entries."""
        entries = self.rest("get", "/api/config/config_entries/entry")
        return [entry for entry in entries if entry["domain"] == "pbx"]

    def devices(self) -> list[dict[str, Any]]:
        """The device registry."""
        devices: list[dict[str, Any]] = self.ws({"type": "config/device_registry/list"})
        return devices

    def extension_device(self, vendor: str, extension: str) -> dict[str, Any]:
        """The device of one extension of the PBX `add_pbx` added for `vendor`."""
        entry_id = self.entries[vendor]
        for device in self.devices():
            if entry_id in device["config_entries"] and any(
                domain == "pbx" and ident.endswith(f"-ext-{extension}")
                for domain, ident in device["identifiers"]
            ):
                return device
        raise LookupError(f"no device for extension {extension} of {vendor}")


# --- the browser ------------------------------------------------------------------------------


def new_driver(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    """Debian's Chromium, headless, through its chromedriver, keeping the console log."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespaces for the sandbox
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--lang=en-US",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    # The page itself gets exactly this size (the window would keep some for its frame).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


_DEEP_QUERY = """
const [selector, text] = arguments;
const found = [];
const roots = [document];
while (roots.length) {
  const root = roots.shift();
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) roots.push(element.shadowRoot);
    if (element.matches(selector) && (text === null || element.textContent.includes(text))) {
      found.push(element);
    }
  }
}
return found;
"""

_DEEP_TEXT = """
function text(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE
      && node.nodeType !== Node.DOCUMENT_NODE) return '';
  if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return '';
  let out = '';
  if (node.shadowRoot) out += text(node.shadowRoot);
  for (const child of node.childNodes) out += text(child);
  return out + (node.nodeType === Node.ELEMENT_NODE ? ' ' : '');
}
return text(document).replace(/\\s+/g, ' ');
"""


def deep_query(
    driver: webdriver.Chrome, selector: str, text: str | None = None
) -> list[WebElement]:
    """Every element matching the CSS `selector`, in the document and in every shadow root,
    whose text contains `text` (when given)."""
    found: list[WebElement] = driver.execute_script(_DEEP_QUERY, selector, text)
    return found


def deep_text(driver: webdriver.Chrome) -> str:
    """The page's text, shadow roots included, white space collapsed."""
    return str(driver.execute_script(_DEEP_TEXT))


def wait_for_element(
    driver: webdriver.Chrome, selector: str, text: str | None = None, timeout: float = 30
) -> WebElement:
    """The first element `deep_query` finds, once there is one."""
    try:
        elements: list[WebElement] = WebDriverWait(driver, timeout, 0.25).until(
            lambda d: deep_query(d, selector, text)
        )
    except TimeoutException:
        raise TimeoutError(f"no {selector!r} with text {text!r} after {timeout:.0f} s") from None
    return elements[0]


def wait_for_text(driver: webdriver.Chrome, text: str, timeout: float = 30) -> str:
    """The page's text once it contains `text`."""

    def page_with_text(d: webdriver.Chrome) -> str:
        page = deep_text(d)
        return page if text in page else ""

    try:
        page: str = WebDriverWait(driver, timeout, 0.25).until(page_with_text)
    except TimeoutException:
        raise TimeoutError(
            f"{text!r} not on {driver.current_url} after {timeout:.0f} s; it shows: "
            f"{deep_text(driver)[:2000]}"
        ) from None
    return page


def login(
    driver: webdriver.Chrome, url: str, username: str = USERNAME, password: str = PASSWORD
) -> None:
    """Log in through Home Assistant's login page and wait for its sidebar."""
    driver.get(url)
    wait_for_element(driver, "input[name=username], input[autocomplete=username]", timeout=60)
    user = deep_query(driver, "input[name=username], input[autocomplete=username]")[0]
    secret = deep_query(driver, "input[name=password], input[type=password]")[0]
    user.send_keys(username)
    secret.send_keys(password + "\n")
    wait_for_element(driver, "ha-sidebar", timeout=60)


def open_page(driver: webdriver.Chrome, url: str) -> None:
    """Open a page and wait until the frontend has drawn its sidebar."""
    driver.get(url)
    wait_for_element(driver, "ha-sidebar", timeout=60)


def wait_for_logbook(driver: webdriver.Chrome, timeout: float = 30) -> None:
    """Wait until the page's logbook has loaded what it shows (its entries, or that it has none)
    and so follows new entries live."""
    wait_for_element(driver, "ha-logbook", timeout=timeout)
    WebDriverWait(driver, timeout, 0.25).until(
        lambda d: deep_query(d, "ha-logbook-renderer") or deep_query(d, "ha-logbook", "No activity")
    )
    time.sleep(1)


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """The browser console's errors since the last call (the log is drained)."""
    log: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry["message"] for entry in log if entry["level"] == "SEVERE"]
