"""Moving a misfiled document to another case: its versions, PDF copies and signatures go with it, its bytes and
signatures stay valid, its files follow it to the new case's keys, both histories record it, search and exports
see it in its new case only; closed, held or unwritable cases refuse; a process killed mid-move leaves the old or
the new state and a rerun finishes."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests import dying
from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from tests.webapp.test_signatures import _openssl_verify, _sign
from webapp.audit.models import AuditEvent
from webapp.blobs import relocation
from webapp.blobs.models import BlobRelocation, StoredFile
from webapp.blobs.relocation import carry_out_relocations
from webapp.blobs.services import GcSummary, collect_garbage, run_fixity
from webapp.cases.models import CaseEvent
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.runtime import blob_store


def _collect_all_unreferenced(*, dry_run: bool = False) -> GcSummary:
    """Garbage collection with no grace, as if a minute had passed: an S3 server stamps a fresh object with
    its time rounded up to the next second, so `now` itself may still be before it."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    return collect_garbage(grace=dt.timedelta(0), dry_run=dry_run, now=later)


def _two_cases(world: World) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    source, target = world.open_case(title="Дело Ивановых"), world.open_case(title="Дело Петровых")
    document = world.upload(source["id"], b"act of the Petrov family", title="Акт обследования")
    added = world["spec1"].upload(
        f"/api/v1/documents/{document['id']}/versions", b"act of the Petrov family, corrected", base_version="1"
    )
    assert added.status_code == 201, added.get_json()
    return source, target, document


def _keys(document_id: int) -> list[str]:
    versions = select(DocumentVersion.file_id).where(DocumentVersion.document_id == document_id)
    return list(db.session.scalars(select(StoredFile.key).where(StoredFile.id.in_(versions)).order_by(StoredFile.id)))


def _move(world: World, document_id: int, case_id: int, username: str = "spec1", **body: Any) -> Any:
    return world[username].post(
        f"/api/v1/documents/{document_id}/move", json={"case_id": case_id, "reason": "подшит не к той семье", **body}
    )


def test_a_document_moves_with_its_versions_and_its_files_follow_it(app: Flask, world: World) -> None:
    source, target, document = _two_cases(world)
    before = _keys(document["id"])
    assert all(key.startswith(f"2026/04-05/{source['number'].split('/')[-1]}/") for key in before)

    moved = _move(world, document["id"], target["id"])

    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["case_id"] == target["id"]
    assert [version["number"] for version in moved.get_json()["versions"]] == [1, 2]
    db.session.expire_all()
    after = _keys(document["id"])
    sequence = target["number"].split("/")[-1]
    assert all(key.startswith(f"2026/04-05/{sequence}/{document['id']}/") for key in after)
    store = blob_store()
    assert not any(store.exists(key) for key in before)  # copied, verified, switched, then deleted
    assert db.session.scalars(select(BlobRelocation)).all() == []
    content = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/2/content")
    assert content.data == b"act of the Petrov family, corrected"
    assert run_fixity().clean

    listed = {case: world["spec1"].get(f"/api/v1/cases/{case}").get_json() for case in (source["id"], target["id"])}
    assert [item["id"] for item in listed[source["id"]]["documents"]] == []
    assert [item["id"] for item in listed[target["id"]]["documents"]] == [document["id"]]
    steps = db.session.scalars(select(CaseEvent).where(CaseEvent.document_id == document["id"])).all()
    assert {(step.case_id, step.action) for step in steps} == {
        (source["id"], "document_moved_out"),
        (target["id"], "document_moved_in"),
    }
    assert all(step.reason == "подшит не к той семье" for step in steps)
    change = {"field": "case", "old": source["number"], "new": target["number"]}
    assert all(step.changes == [change] for step in steps)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.document_moved_in")).one()
    assert "подшит" not in str(audit.details)  # the reason stays with the case


def test_a_moved_signature_still_verifies_with_openssl(app: Flask, world: World, client: Any, tmp_path: Path) -> None:
    _source, target, document = _two_cases(world)
    signed = _sign(world, "spec1", document["id"], "составил", number=2)
    assert signed.status_code == 201, signed.get_json()
    assert _move(world, document["id"], target["id"]).status_code == 200

    signature = signed.get_json()
    sig_file, content_file, ca_file = tmp_path / "sig.p7s", tmp_path / "v2.bin", tmp_path / "ca.pem"
    sig_file.write_bytes(world["spec1"].get(f"/api/v1/signatures/{signature['id']}/cms").data)
    content_file.write_bytes(world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/2/content").data)
    ca_file.write_bytes(client.get("/api/v1/ca.pem").data)
    result = _openssl_verify(sig_file, content_file, ca_file)
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    cms_key = db.session.scalars(select(StoredFile.key).where(StoredFile.kind == "signature")).one()
    assert cms_key.startswith(f"2026/04-05/{target['number'].split('/')[-1]}/{document['id']}/")
    checked = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/2/signatures").get_json()["items"]
    assert [(item["valid"], item["status"]) for item in checked] == [(True, "valid")]


def test_search_and_exports_see_the_document_in_its_new_case_only(app: Flask, world: World) -> None:
    source, target, document = _two_cases(world)
    assert _move(world, document["id"], target["id"]).status_code == 200

    def hits(case_id: int) -> int:
        body = world["spec1"].post("/api/v1/search", json={"q": "corrected", "case": case_id}).get_json()
        return int(body["total"])

    assert (hits(source["id"]), hits(target["id"])) == (0, 1)
    for case, expected in ((source, False), (target, True)):
        answer = world["spec1"].post(f"/api/v1/cases/{case['id']}/exports", json={"format": "zip"})
        assert answer.status_code == 202, answer.get_json()
        status = world["spec1"].get(f"/api/v1/jobs/{answer.get_json()['id']}").get_json()
        assert status["status"] == "done", status
        package = zipfile.ZipFile(io.BytesIO(world["spec1"].get(status["download_url"]).data))
        contents = [package.read(name) for name in package.namelist()]
        assert (b"act of the Petrov family, corrected" in contents) is expected


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("target_closed", 409, "case_closed"),
        ("target_held", 409, "case_on_hold"),
        ("source_closed", 409, "case_closed"),
        ("same_case", 409, "same_case"),
        ("target_elsewhere", 404, "not_found"),
        ("no_reason", 400, "invalid"),
        ("unknown_field", 400, "invalid"),
    ],
)
def test_a_move_is_refused_with_the_reason_and_changes_nothing(
    app: Flask, world: World, setup: str, status: int, code: str
) -> None:
    source, target, document = _two_cases(world)
    case_id, body = target["id"], {}
    today = {"closed_on": dt.date.today().isoformat()}
    if setup in ("target_closed", "source_closed"):
        closing = target if setup == "target_closed" else source
        closed = world["head"].post(f"/api/v1/cases/{closing['id']}/close", json=today)
        assert closed.status_code == 200, closed.get_json()
    elif setup == "target_held":
        held = world["archivist"].post(f"/api/v1/cases/{target['id']}/hold", json={"reason": "запрос суда"})
        assert held.status_code == 200, held.get_json()
    elif setup == "same_case":
        case_id = source["id"]
    elif setup == "target_elsewhere":
        case_id = world.open_case("spec2", district="u2")["id"]
    elif setup == "no_reason":
        body = {"reason": "  "}
    elif setup == "unknown_field":
        body = {"title": "другое"}

    refused = _move(world, document["id"], case_id, **body)

    assert refused.status_code == status, refused.get_json()
    assert refused.get_json()["error"]["code"] == code
    db.session.expire_all()
    assert db.session.get(Document, document["id"]).case_id == source["id"]  # type: ignore[union-attr]
    assert db.session.scalars(select(CaseEvent).where(CaseEvent.document_id == document["id"])).all() == []
    assert db.session.scalars(select(BlobRelocation)).all() == []


def test_only_who_may_write_both_cases_moves(app: Flask, world: World) -> None:
    _source, target, document = _two_cases(world)
    assert _move(world, document["id"], target["id"], "archivist").status_code == 403  # sees, may not write
    assert _move(world, document["id"], target["id"], "spec2").status_code == 404  # another district's
    assert _move(world, document["id"], target["id"], "head").status_code == 200


def test_a_document_checked_out_by_someone_else_stays_where_it_is(app: Flask, world: World) -> None:
    _source, target, document = _two_cases(world)
    assert world["head"].post(f"/api/v1/documents/{document['id']}/checkout").status_code == 201
    refused = _move(world, document["id"], target["id"])
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (423, "locked")
    assert _move(world, document["id"], target["id"], "head").status_code == 200  # the holder moves it


def test_of_two_moves_from_the_same_revision_one_wins(app: Flask, world: World) -> None:
    _source, target, document = _two_cases(world)
    third = world.open_case(title="Дело Сидоровых")
    seen = world["spec1"].get(f"/api/v1/documents/{document['id']}").get_json()["revision"]
    first = _move(world, document["id"], target["id"], revision=seen)
    second = _move(world, document["id"], third["id"], "head", revision=seen)
    assert first.status_code == 200, first.get_json()
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "changed_meanwhile")
    db.session.expire_all()
    assert db.session.get(Document, document["id"]).case_id == target["id"]  # type: ignore[union-attr]


def test_a_file_on_its_way_is_never_collected_and_a_second_move_redirects_it(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _source, target, document = _two_cases(world)
    third = world.open_case(title="Дело Сидоровых")
    monkeypatch.setattr(relocation, "create_job", lambda kind, params: None)  # no job: the files wait
    assert _move(world, document["id"], target["id"]).status_code == 200
    before = set(_keys(document["id"]))
    relocations = db.session.scalars(select(BlobRelocation).order_by(BlobRelocation.id)).all()
    assert len(relocations) == 2
    # Half-way: the first file's copy made, not yet switched; gc leaves the copy alone, however old.
    first, copy_key = relocations[0], relocations[0].new_key
    with blob_store().open(first.file.key) as stream:
        blob_store().put(copy_key, stream)
    assert copy_key not in _collect_all_unreferenced().removed
    assert _move(world, document["id"], third["id"]).status_code == 200  # moved on before it finished
    assert len(db.session.scalars(select(BlobRelocation)).all()) == 2  # redirected, not doubled

    summary = carry_out_relocations()

    assert (summary.moved, summary.failed) == (2, [])
    db.session.expire_all()
    sequence = third["number"].split("/")[-1]
    assert all(key.startswith(f"2026/04-05/{sequence}/") for key in _keys(document["id"]))
    assert not any(blob_store().exists(key) for key in before)
    assert run_fixity().clean
    stray = _collect_all_unreferenced().removed  # the copy made for the first target, now no one's
    assert stray == [copy_key]


KILLED_MID_COPY = """
    from webapp.documents.schemas import DocumentMeta, Upload, VersionMeta
    from webapp.documents.services import add_document, add_version
    from webapp.blobs import relocation
    from webapp.documents.moves import move_document
    from webapp.runtime import blob_store

    other = open_case(user, CaseInput(nomenclature_index="04-05", year=2026, title="Другое", district="u1"))
    meta = DocumentMeta(title="Акт", type="scan")
    document = add_document(user, case.id, meta, Upload(io.BytesIO(b"first"), "a.txt"))
    add_version(user, document.id, VersionMeta(base_version=1), Upload(io.BytesIO(b"second"), "a.txt"))
    webapp.uow.commit()
    print(document.id, case.id, other.id, flush=True)
    move_document(user, document.id, other.id, "не та семья")
    if os.environ["KILL_AT"] == "before_commit":
        os.kill(os.getpid(), signal.SIGKILL)
    db.session.commit()  # the move, without handing the job to a queue: the process dies before a worker runs it
    store, copies = blob_store(), []
    real_put = store.put
    def put_then_die(key, stream, **kwargs):
        stored = real_put(key, stream, **kwargs)
        copies.append(key)
        if len(copies) == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return stored
    store.put = put_then_die
    relocation.carry_out_relocations()
"""


@pytest.mark.parametrize("kill_at", ["before_commit", "mid_copy"])
def test_a_process_killed_mid_move_leaves_a_whole_state_and_a_rerun_finishes(
    app: Flask, tmp_path: Path, kill_at: str
) -> None:
    env = dying.environment(app.config["CASEFILES"], tmp_path) | {"KILL_AT": kill_at}
    script = dying.in_the_app(KILLED_MID_COPY)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == -9, result.stderr
    document_id, source_id, target_id = (int(value) for value in result.stdout.split())

    db.session.expire_all()
    document = db.session.get(Document, document_id)
    assert document is not None
    expected_case = source_id if kill_at == "before_commit" else target_id
    assert document.case_id == expected_case
    # Whole either way: every version readable under the key its row names, fixity clean.
    assert run_fixity().clean
    pending = len(db.session.scalars(select(BlobRelocation)).all())
    assert pending == (0 if kill_at == "before_commit" else 2)

    carry_out_relocations()  # what the relocation job or the ten-minute housekeeping does after a restart

    db.session.expire_all()
    assert db.session.scalars(select(BlobRelocation)).all() == []
    case_sequence = db.session.get(Document, document_id).case.sequence  # type: ignore[union-attr]
    assert all(key.split("/")[2] == f"{case_sequence:03d}" for key in _keys(document_id))
    assert run_fixity().clean
    assert _collect_all_unreferenced(dry_run=True).removed == []  # no copy or old bytes left over


def test_a_renumbered_case_has_its_files_relocated_to_its_new_number(app: Flask, world: World) -> None:
    entry = {"index": "04-06", "title": "Личные дела граждан", "year": 2026, "retention_years": 5}
    assert world["archivist"].post("/api/v1/nomenclature", json=entry).status_code == 201
    case, _, document = _two_cases(world)
    before = _keys(document["id"])
    body = {"nomenclature_index": "04-06", "reason": "не та статья"}
    answer = world["spec1"].client.patch(
        f"/api/v1/cases/{case['id']}", json=body, headers={**world["spec1"]._headers(), "If-Match": '"1"'}
    )
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    assert all(key.startswith(f"2026/04-06/001/{document['id']}/") for key in _keys(document["id"]))
    assert not any(blob_store().exists(key) for key in before)
    assert db.session.scalars(select(BlobRelocation)).all() == []
    assert run_fixity().clean


def test_the_case_page_moves_ticked_documents_each_on_its_own(app: Flask, world: World, client: FlaskClient) -> None:
    source, target, document = _two_cases(world)
    other = world.upload(source["id"], b"another act", title="Акт повторного обследования")
    assert world["head"].post(f"/api/v1/documents/{other['id']}/checkout").status_code == 201  # this one stays
    login(client, "spec1")
    case_page = client.get(f"/cases/{source['id']}").get_data(as_text=True)
    assert 'form="move-documents"' in case_page and "Перенести отмеченные в другое дело" in case_page

    ticked = {"document": [str(document["id"]), str(other["id"])]}
    page = client.get(f"/cases/{source['id']}/move", query_string=ticked).get_data(as_text=True)
    assert "Акт обследования" in page and "Акт повторного обследования" in page
    token = _csrf(page)
    found = client.post(
        f"/cases/{source['id']}/move", data={**ticked, "q": "ДЕЛО", "action": "find", "csrf_token": token}
    ).get_data(as_text=True)
    assert target["number"] in found and "Дело Петровых" in found  # any case, Cyrillic case-insensitively
    assert f'name="target" value="{target["id"]}"' in found
    assert f'name="target" value="{source["id"]}"' not in found  # not the case they are in
    answer = client.post(
        f"/cases/{source['id']}/move",
        data={
            **ticked,
            "target": target["id"],
            "reason": "подшит не к той семье",
            "action": "move",
            "csrf_token": token,
        },
    )

    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/cases/{target['id']}#documents")
    flashed = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Перенесено документов: 1" in flashed
    assert "«Акт повторного обследования» не перенесён: Документ на редактировании у Тест head" in flashed
    db.session.expire_all()
    assert db.session.get(Document, document["id"]).case_id == target["id"]  # type: ignore[union-attr]
    assert db.session.get(Document, other["id"]).case_id == source["id"]  # type: ignore[union-attr]


def test_the_move_page_needs_ticked_documents_and_a_reason(app: Flask, world: World, client: FlaskClient) -> None:
    source, target, document = _two_cases(world)
    login(client, "spec1")
    assert client.get(f"/cases/{source['id']}/move").status_code == 302  # nothing ticked: back to the case
    page = client.get(f"/cases/{source['id']}/move", query_string={"document": document["id"]})
    token = _csrf(page.get_data(as_text=True))
    answer = client.post(
        f"/cases/{source['id']}/move",
        data={"document": document["id"], "target": target["id"], "reason": " ", "action": "move", "csrf_token": token},
    )
    assert answer.status_code == 200 and "не перенесён: reason" in answer.get_data(as_text=True)
    assert db.session.get(Document, document["id"]).case_id == source["id"]  # type: ignore[union-attr]
