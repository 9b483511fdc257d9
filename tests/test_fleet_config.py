"""Fleet pre-configuration: policy over provisioning file over QR over typed; the
device enrolls itself from what IT placed; a QR's certificate fingerprint pins HQ;
HQ tells which app version is current."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import sync.preconfig as preconfig
import tests.ui_support  # noqa: F401  (Qt offscreen, before any QApplication)
from sync.client import (
    CURRENT_APP_VERSION,
    SERVER,
    TLS_PIN,
    HQConnection,
    PinnedAdapter,
    SyncClient,
    SyncFailed,
    installed_version,
    is_newer,
    sync_status,
)
from sync.preconfig import (
    PRECONFIG_ENV,
    Preconfig,
    PreconfigError,
    load_policy,
    load_preconfig,
    parse_enrollment_payload,
    resolve,
)
from tests.sync_support import HQ, enroll_device

FINGERPRINT = "ab" * 32


@pytest.fixture(autouse=True)
def no_machine_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This machine's own /etc/fieldapp (an installed .deb) stays out of the tests."""
    monkeypatch.setattr(preconfig, "POLICY_FILE", tmp_path / "etc" / "config.json")
    monkeypatch.delenv(PRECONFIG_ENV, raising=False)


def write_policy(data: object) -> Path:
    path = preconfig.POLICY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_one_precedence_field_by_field() -> None:
    policy = Preconfig(server="https://policy.example", source="policy")
    provisioning = Preconfig(
        server="https://file.example", code="FILECODE", language="en", source="provisioning"
    )
    qr = Preconfig(server="https://qr.example", code="QRCODE", fingerprint=FINGERPRINT, source="qr")
    typed = Preconfig(server="https://typed.example", code="TYPED", device_name="van 3")
    merged = resolve(policy, provisioning, qr, typed)
    assert merged == Preconfig(
        server="https://policy.example",
        code="FILECODE",
        language="en",
        device_name="van 3",
        fingerprint=FINGERPRINT,
    )
    assert merged is not None and merged.source == "policy" and merged.from_it
    assert resolve(None, Preconfig(), qr) == qr
    assert resolve(None, Preconfig()) is None


def test_the_linux_policy_file_wins_over_the_provisioning_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "preconfig.json").write_text(
        json.dumps({"server": "https://file.example", "code": "AB-CD-EF", "language": "en"}),
        encoding="utf-8",
    )
    assert load_preconfig(data_dir) == Preconfig(
        server="https://file.example", code="ABCDEF", language="en"
    )
    write_policy({"server": "https://policy.example/", "language": "zh_CN"})
    found = load_preconfig(data_dir)
    assert found == Preconfig(server="https://policy.example", code="ABCDEF", language="zh_CN")
    assert found is not None and found.source == "policy"
    # The .deb's shipped conffile is {}: no policy at all.
    write_policy({})
    assert load_policy() is None
    # A broken policy is logged and skipped: the provisioning file still counts.
    write_policy(["not", "an", "object"])
    assert load_policy() is None
    assert load_preconfig(data_dir) == Preconfig(
        server="https://file.example", code="ABCDEF", language="en"
    )


def test_the_windows_policy_comes_from_the_registry_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the MSI's SERVERURL / ENROLLCODE / LANG (or Group Policy) wrote under
    # HKLM\Software\Policies\FieldApp, as _registry_policy maps the value names.
    values = {"Server": "https://hq.example", "EnrollCode": "ab cd", "Language": "en"}
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(
        preconfig,
        "_registry_policy",
        lambda: {preconfig.POLICY_VALUES[name]: value for name, value in values.items()},
    )
    assert load_policy() == Preconfig(server="https://hq.example", code="abcd", language="en")
    assert set(preconfig.POLICY_VALUES) >= {"Server", "EnrollCode", "Language"}


def test_the_qr_code_may_carry_hqs_certificate_fingerprint() -> None:
    payload = {"fieldapp": "enroll", "server": "https://hq.example", "code": "ABCD"}
    read = parse_enrollment_payload(json.dumps({**payload, "fingerprint": "AB:" * 31 + "AB"}))
    assert read.fingerprint == FINGERPRINT and read.source == "qr"
    assert parse_enrollment_payload(json.dumps(payload)).fingerprint == ""
    with pytest.raises(PreconfigError, match="fingerprint_invalid"):
        parse_enrollment_payload(json.dumps({**payload, "fingerprint": "12:34"}))


# --- the pinned certificate ---------------------------------------------------------------


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An HTTPS server on loopback with a self-signed certificate: (url, its SHA-256)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "hq.pem", tmp_path / "hq.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", digest
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_pinned_hq_is_reached_with_exactly_its_certificate(
    https_server: tuple[str, str],
) -> None:
    url, digest = https_server
    pinned = HQConnection(url, None, timeout=(3, 5), fingerprint=digest)
    try:
        assert pinned.get_json("/") == {"ok": True}
        assert isinstance(pinned.http.get_adapter(url), PinnedAdapter)
    finally:
        pinned.close()
    # Another fingerprint: refused, though it is the same server.
    wrong = HQConnection(url, None, timeout=(3, 5), fingerprint="cd" * 32)
    try:
        with pytest.raises(SyncFailed) as failure:
            wrong.get_json("/")
        assert failure.value.code == "certificate"
    finally:
        wrong.close()
    # Without a pin the self-signed certificate is not trusted either.
    plain = HQConnection(url, None, timeout=(3, 5))
    try:
        with pytest.raises(SyncFailed) as failure:
            plain.get_json("/")
        assert failure.value.code == "certificate"
    finally:
        plain.close()


@pytest.mark.parametrize("hq", ["sqlite"], indirect=True)
def test_the_enrollment_pins_the_fingerprint_for_that_hq(
    hq: tuple[HQ, object], tmp_path: Path
) -> None:
    from fieldapp.store import Store
    from sync.client import enroll

    server, _world = hq
    store = Store.open(tmp_path)
    try:
        enroll(store, tmp_path, server.base, server.code_for("zhang.wei"), fingerprint=FINGERPRINT)
        assert store.get_setting(TLS_PIN) == FINGERPRINT
        client = SyncClient(store, tmp_path)
        try:
            adapter = client.hq.http.get_adapter("https://hq.example/")
            assert isinstance(adapter, PinnedAdapter) and adapter.fingerprint == FINGERPRINT
        finally:
            client.close()
    finally:
        store.close()


# --- HQ says which version is current ------------------------------------------------------


def test_versions_compare_by_number() -> None:
    assert is_newer("0.10.0", "0.9.3")
    assert not is_newer("0.1.0", "0.1.0")
    assert not is_newer("0.1.0", "0.2.0rc1")
    assert not is_newer("", "0.1.0")


@pytest.mark.parametrize("hq", ["sqlite"], indirect=True)
def test_hq_tells_the_current_version_and_the_device_says_an_update_is_available(
    hq: tuple[HQ, object], tmp_path: Path
) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path)
    try:
        SyncClient(device.store, tmp_path).sync()
        status = sync_status(device.store)
        assert status["current_app_version"] is None and not status["update_available"]
        major = int(installed_version().split(".")[0])
        server.env["FIELDAPP_HQ_CURRENT_APP_VERSION"] = f"{major + 1}.0.0"
        server.restart()
        SyncClient(device.store, tmp_path).sync()
        status = sync_status(device.store)
        assert status["current_app_version"] == f"{major + 1}.0.0"
        assert status["update_available"]
        assert device.store.get_setting(CURRENT_APP_VERSION) == f"{major + 1}.0.0"
    finally:
        device.store.close()


def test_the_status_bar_says_an_update_is_available(qtbot: object, tmp_path: Path) -> None:
    from PySide6.QtCore import QCoreApplication

    from fieldapp.store import Store
    from ui.common.tasks import TaskManager
    from ui.sync_panel import SyncController, SyncIndicator

    store = Store.open(tmp_path)
    tasks = TaskManager()
    try:
        indicator = SyncIndicator(SyncController(store, tmp_path, tasks))
        qtbot.addWidget(indicator)  # type: ignore[attr-defined]
        indicator.show()
        qtbot.waitUntil(lambda: tasks.wait(0) and indicator.text.text() != "")  # type: ignore[attr-defined]
        assert not indicator.update_note.isVisible()
        # The version the last pull brought from HQ, as the sync stores it.
        store.set_setting(CURRENT_APP_VERSION, "9.0.0")
        indicator.refresh()
        qtbot.waitUntil(indicator.update_note.isVisible)  # type: ignore[attr-defined]
        # In the language earlier tests left installed: the same words either way.
        assert indicator.update_note.text() == QCoreApplication.translate(
            "SyncIndicator", "An update is available"
        )
        assert "9.0.0" in indicator.update_note.toolTip()
        store.set_setting(CURRENT_APP_VERSION, installed_version())
        indicator.refresh()
        qtbot.waitUntil(lambda: not indicator.update_note.isVisible())  # type: ignore[attr-defined]
    finally:
        tasks.wait(5000)
        store.close()


@pytest.mark.parametrize("hq", ["sqlite"], indirect=True)
def test_the_device_enrolls_itself_from_what_it_placed(
    hq: tuple[HQ, object], tmp_path: Path, qtbot: object
) -> None:
    from fieldapp.store import Store
    from ui.app import Launcher
    from ui.common.context import AppContext
    from ui.common.tasks import TaskManager

    server, _world = hq
    write_policy({"server": server.base})
    data_dir = tmp_path / "device"
    data_dir.mkdir()
    (data_dir / "preconfig.json").write_text(
        json.dumps({"server": "https://wrong.example", "code": server.code_for("zhang.wei")}),
        encoding="utf-8",
    )
    preset = load_preconfig(data_dir)
    assert preset is not None and preset.server == server.base  # the policy's address
    store = Store.open(data_dir)
    try:
        ctx = AppContext(store=store, data_dir=data_dir, task_manager=TaskManager())
        window = Launcher(ctx, preset, auto_sync=False).open_window("en")
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        page = window.enroll_page
        assert page.server.isReadOnly()  # IT's address: neither typed over nor QR'd over
        page.apply(
            parse_enrollment_payload(
                json.dumps({"fieldapp": "enroll", "server": "https://qr.example", "code": "QRQRQR"})
            )
        )
        assert page.server.text() == server.base
        qtbot.waitUntil(lambda: store.get_setting(SERVER) == server.base, timeout=30_000)  # type: ignore[attr-defined]
        ctx.task_manager.wait(10_000)
    finally:
        store.close()
