"""The export pages and downloads: who may fetch what, and that downloads stream whole files
from a database snapshot on a thread of their own (so these tests commit their data)."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from django.test import AsyncClient, Client

from chat.models import Message
from dashboard.exports import files
from tests.base import DyadTestCase, DyadTransactionTestCase
from tests.dashboard import export_data

BASE = "/dashboard/studies/pilot"
DOWNLOADS = [f"{BASE}/export.zip", *(f"{BASE}/export/{name}" for name in files.FILE_NAMES)]
RESTRICTED = f"{BASE}/export/recruitment.csv"


class ExportPermissionTests(DyadTestCase):
    def as_user(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def test_people_not_signed_in_are_sent_to_sign_in_from_every_export_url(self):
        for client in (Client(), self.browser_of(self.ana)):
            for url in [f"{BASE}/export/", *DOWNLOADS, RESTRICTED]:
                response = client.get(url)
                assert response.status_code == 302, url
                assert response["Location"].startswith("/accounts/login/?next=")

    def test_another_researcher_is_told_every_export_url_does_not_exist(self):
        omar = self.as_user(self.omar)
        for url in [f"{BASE}/export/", *DOWNLOADS, RESTRICTED]:
            assert omar.get(url).status_code == 404, url

    def test_collaborators_see_the_export_page_but_not_the_recruitment_ids(self):
        self.pilot.collaborators.add(self.omar)
        omar = self.as_user(self.omar)
        page = omar.get(f"{BASE}/export/").content.decode()
        assert "Download everything (ZIP)" in page and "messages.csv" in page
        assert "recruitment.csv" not in page
        refused = omar.get(RESTRICTED)
        assert refused.status_code == 403
        owner_page = self.as_user(self.rita).get(f"{BASE}/export/").content.decode()
        assert f'href="{RESTRICTED}"' in owner_page

    def test_unknown_files_and_studies_are_not_found(self):
        rita = self.as_user(self.rita)
        assert rita.get(f"{BASE}/export/passwords.csv").status_code == 404
        assert rita.get(f"{BASE}/export/..%2Fsettings.py").status_code == 404
        assert rita.get("/dashboard/studies/nope/export.zip").status_code == 404

    def test_downloads_take_get_only(self):
        rita = self.as_user(self.rita)
        assert rita.post(f"{BASE}/export.zip").status_code == 405


class ExportDownloadTests(DyadTransactionTestCase):
    def setUp(self):
        super().setUp()
        export_data.build(self)

    async def fetch(self, user, url: str):
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.streaming
        body = b"".join([chunk async for chunk in response.streaming_content])
        return response, body

    async def test_the_zip_streams_every_file_with_a_dated_name(self):
        response, body = await self.fetch(self.rita, f"{BASE}/export.zip")
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith('attachment; filename="dyad-pilot-')
        assert response["Cache-Control"] == "no-store"
        archive = zipfile.ZipFile(io.BytesIO(body))
        assert archive.namelist() == list(files.FILE_NAMES)
        messages = pd.read_csv(archive.open("messages.csv"))
        assert export_data.FORMULA not in messages.text.tolist()
        assert "'" + export_data.FORMULA in messages.text.tolist()

    async def test_each_file_downloads_alone_and_recruitment_only_for_owners(self):
        response, body = await self.fetch(self.rita, f"{BASE}/export/participants.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "-participants.csv" in response["Content-Disposition"]
        assert len(pd.read_csv(io.BytesIO(body))) == 3
        _, body = await self.fetch(self.rita, RESTRICTED)
        assert b"ANA-PID" in body


class SnapshotTests(DyadTransactionTestCase):
    def setUp(self):
        super().setUp()
        export_data.build(self)

    def test_a_download_reads_one_snapshot_while_the_study_goes_on(self):
        with ThreadPoolExecutor(max_workers=1) as thread:  # a connection of its own
            chunks = files.zip_download(self.pilot.pk)
            first = thread.submit(next, chunks).result()  # the snapshot has begun
            session = self.ben.chat_sessions.get()
            Message.objects.create(session=session, turn=99, sender="system", text="LATE-NOTE")
            rest = thread.submit(lambda: b"".join(chunks)).result()
            thread.submit(files.close_connection).result()
        archive = zipfile.ZipFile(io.BytesIO(first + rest))
        assert b"LATE-NOTE" not in archive.read("messages.csv")
        later = zipfile.ZipFile(io.BytesIO(b"".join(files.zip_download(self.pilot.pk))))
        assert b"LATE-NOTE" in later.read("messages.csv")
