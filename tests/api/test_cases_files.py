"""Files of the cases module over real HTTP: evidence uploads (types sniffed
from the bytes, size caps, nothing stored on refusal — checked in the files
directory and the database), downloads only for those who may see the case,
the agreement PDF (read back with pdftotext), the Excel export (read back
as a zip) and the QR codes (SVG parsed as XML, PNG checked)."""

import datetime
import hashlib
import io
import re
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import unittest
import xml.etree.ElementTree as ET
import zipfile
import zlib

from egret_client import Server, assert_error, assert_status, read_response, unique
from test_cases_common import add_platform, count, credit_code, file_case, id_number, move

S = None
T = {}
P1 = P2 = None

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + \
    b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24


def setUpModule():
    global S, P1, P2
    S = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000"})
    S.start()
    for login in ("admin", "mediator", "mediator.hrss", "mediator.siming", "worker", "worker2",
                  "insurer", "supervisor"):
        T[login] = S.login(login)
    P1 = add_platform(S, "food_delivery")
    P2 = add_platform(S, "ride_hailing")


def tearDownModule():
    S.stop()


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()


def evidence_dir():
    return os.path.join(S.files_dir, "evidence")


def stored_files():
    d = evidence_dir()
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def upload(cid, data, token, filename="证据.png", ctype="image/png", header_name=False):
    headers = {"Content-Type": ctype}
    query = None
    if header_name:
        headers["X-Filename"] = filename
    elif filename is not None:
        query = {"filename": filename}
    return S.request("POST", "/api/v1/cases/%d/evidence" % cid, raw=data, token=token,
                     headers=headers, query=query)


def upload_oversized(cid, data, token):
    """Upload a body the server refuses before reading it all: write it from a
    thread (the server may stop reading and close) while reading the reply."""
    head = ("POST /api/v1/cases/%d/evidence?filename=big.png HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer %s\r\nContent-Type: image/png\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (cid, token, len(data))).encode("latin-1")

    with S.connect() as sock:
        def writer():
            try:
                sock.sendall(head)
                for i in range(0, len(data), 65536):
                    sock.sendall(data[i:i + 65536])
            except OSError:
                pass

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        try:
            return read_response(sock, method="POST")
        finally:
            t.join(timeout=30)


class TestEvidence(unittest.TestCase):
    def test_upload_list_download(self):
        c = file_case(S, T["worker"], P1[0])
        r = upload(c["id"], PNG, T["worker"], filename="工资截图.png")
        assert_status(r, 201)
        ev = r.body
        self.assertEqual(ev["content_type"], "image/png")
        self.assertEqual(ev["party"], "applicant")
        self.assertEqual(ev["filename"], "工资截图.png")
        self.assertEqual(ev["size_bytes"], len(PNG))
        self.assertEqual(ev["sha256"], hashlib.sha256(PNG).hexdigest())
        files = stored_files()
        self.assertTrue([f for f in files if f.endswith(".png")])
        self.assertFalse([f for f in files if f.startswith(".upload-")])
        # The stored name is random, not the client's.
        self.assertFalse(any("工资" in f for f in files))

        # The respondent uploads its own evidence (name in a header; the
        # client's Content-Type is ignored: the bytes say JPEG).
        r = upload(c["id"], JPEG, P1[1], filename="records.jpg", ctype="application/octet-stream",
                   header_name=True)
        assert_status(r, 201)
        self.assertEqual(r.body["party"], "respondent")
        self.assertEqual(r.body["content_type"], "image/jpeg")
        r = upload(c["id"], PDF, T["mediator.hrss"], filename="笔录.pdf", ctype="image/png")
        assert_status(r, 201)
        self.assertEqual(r.body["content_type"], "application/pdf")
        self.assertEqual(r.body["party"], "staff")
        r = upload(c["id"], WEBP, T["worker"], filename=None)
        assert_status(r, 201)
        self.assertEqual(r.body["content_type"], "image/webp")
        self.assertEqual(r.body["filename"], "file")

        lst = S.request("GET", "/api/v1/cases/%d/evidence" % c["id"], token=P1[1])
        assert_status(lst, 200)
        self.assertEqual(len(lst.body["items"]), 4)
        self.assertEqual(lst.body["bytes_used"], len(PNG) + len(JPEG) + len(PDF) + len(WEBP))

        url = "/api/v1/cases/%d/evidence/%d" % (c["id"], ev["id"])
        for tok in (T["worker"], P1[1], T["mediator.hrss"], T["supervisor"]):
            d = S.request("GET", url, token=tok)
            assert_status(d, 200)
            self.assertEqual(d.raw, PNG)
            self.assertEqual(d.headers.get("Content-Type"), "image/png")
            self.assertIn("attachment", d.headers.get("Content-Disposition"))
        for tok in (T["worker2"], P2[1], T["mediator.siming"]):
            assert_error(S.request("GET", url, token=tok), 404, "not_found")
        assert_error(S.request("GET", url, token=T["insurer"]), 403, "forbidden")
        assert_error(S.request("GET", url), 401, "unauthenticated")
        assert_error(S.request("GET", "/api/v1/cases/%d/evidence/999999" % c["id"],
                               token=T["worker"]), 404, "not_found")
        # Another case's file is not reachable through this case.
        other = file_case(S, T["worker"], P1[0])
        assert_error(S.request("GET", "/api/v1/cases/%d/evidence/%d" % (other["id"], ev["id"]),
                               token=T["worker"]), 404, "not_found")

    def test_hostile_names(self):
        c = file_case(S, T["worker"], P1[0])
        r = upload(c["id"], PNG, T["worker"], filename="../../etc/passwd\".png")
        assert_status(r, 201)
        self.assertEqual(r.body["filename"], "passwd_.png")
        d = S.request("GET", "/api/v1/cases/%d/evidence/%d" % (c["id"], r.body["id"]),
                      token=T["worker"])
        disp = d.headers.get("Content-Disposition")
        self.assertNotIn("..", disp)
        self.assertNotIn("/", disp.split("filename*=")[0])
        self.assertFalse(os.path.exists(os.path.join(S.files_dir, "etc")))

    def test_refusals_store_nothing(self):
        c = file_case(S, T["worker"], P1[0])
        url = "/api/v1/cases/%d/evidence" % c["id"]
        before_files = stored_files()
        before_rows = count(S, "SELECT COUNT(*) FROM case_evidence")
        gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
        for data, ctype in [(gif, "image/gif"), (b"<html><script>alert(1)</script>", "image/png"),
                            (b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg"),
                            (b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp"),
                            (PNG[:5], "image/png"), (b"%PDX-1.4", "application/pdf")]:
            with self.subTest(data=data[:8]):
                assert_error(upload(c["id"], data, T["worker"], ctype=ctype), 415,
                             "unsupported_media_type")
        assert_error(S.request("POST", url, raw=b"", token=T["worker"],
                               headers={"Content-Type": "image/png"}), 400, "missing_field")
        big = PNG + b"\x00" * (10 * 1024 * 1024)
        assert_error(upload_oversized(c["id"], big, T["worker"]), 413, "body_too_large")
        # Who may not upload.
        assert_error(upload(c["id"], PNG, T["worker2"]), 404, "not_found")
        assert_error(upload(c["id"], PNG, P2[1]), 404, "not_found")
        assert_error(upload(c["id"], PNG, T["insurer"]), 403, "forbidden")
        assert_error(upload(c["id"], PNG, T["supervisor"]), 403, "forbidden")
        assert_error(upload(99999999, PNG, T["admin"]), 404, "not_found")
        r = S.request("POST", url, raw=PNG, headers={"Content-Type": "image/png"})
        assert_error(r, 401, "unauthenticated")
        # A finished case takes no more evidence.
        move(S, T["worker"], c["id"], "withdrawn")
        assert_error(upload(c["id"], PNG, T["worker"]), 409, "conflict")
        self.assertEqual(stored_files(), before_files)
        self.assertEqual(count(S, "SELECT COUNT(*) FROM case_evidence"), before_rows)

    def test_per_case_cap(self):
        c = file_case(S, T["worker"], P1[0])
        chunk = PNG + b"\x00" * (9 * 1024 * 1024)
        for i in range(5):
            assert_status(upload(c["id"], chunk, T["worker"], filename="p%d.png" % i), 201)
        before_files = stored_files()
        before_rows = count(S, "SELECT COUNT(*) FROM case_evidence WHERE case_id = %d" % c["id"])
        r = upload(c["id"], chunk, T["worker"], filename="one-too-many.png")
        err = assert_error(r, 413, "body_too_large")
        self.assertIn("at most", err["message"])
        self.assertEqual(stored_files(), before_files)
        self.assertEqual(count(S, "SELECT COUNT(*) FROM case_evidence WHERE case_id = %d"
                               % c["id"]), before_rows)
        # A small file still fits.
        assert_status(upload(c["id"], PNG, T["worker"]), 201)


def agreed_case():
    """A case in mediation with an agreement drawn up: (case, path)."""
    m = T["mediator.hrss"]
    c = file_case(S, T["worker"], P1[0], claims=[{"category": "pay", "amount_fen": 350000},
                                                {"category": "fine_refund", "amount_fen": 20050}],
                  facts="申请人于2026年10月在被申请人平台从事外卖配送，平台拖欠劳务报酬。")
    move(S, m, c["id"], "accepted")
    move(S, m, c["id"], "mediating")
    r = S.request("POST", "/api/v1/cases/%d/agreement" % c["id"], token=m, body={
        "terms": [{"category": "pay", "amount_fen": 300000},
                  {"category": "fine_refund", "amount_fen": 20050}],
        "pay_by": str(today() + datetime.timedelta(days=7)), "pay_method": "银行转账",
        "other_terms": "双方就本争议再无其他纠纷。", "respondent_position": "同意支付。"})
    assert_status(r, 201)
    return c


class TestAgreementPdf(unittest.TestCase):
    def test_pdf_embeds_every_font(self):
        # A viewer without a Chinese font must still show the text: every
        # font is embedded (pdffonts: emb = yes), and only used glyphs are.
        c = agreed_case()
        r = S.request("GET", "/api/v1/cases/%d/agreement.pdf" % c["id"], token=T["mediator.hrss"])
        assert_status(r, 200)
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "a.pdf")
            with open(path, "wb") as f:
                f.write(r.raw)
            p = subprocess.run(["pdffonts", path], capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            lines = p.stdout.decode("utf-8", "replace").splitlines()
            t = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                               timeout=60)
            text = t.stdout.decode("utf-8")
        finally:
            shutil.rmtree(tmp)
        # name type encoding emb sub uni object-id: columns after the two header lines.
        fonts = [ln for ln in lines[2:] if ln.strip()]
        self.assertGreater(len(fonts), 0, lines)
        header = lines[0]
        emb_at = header.index("emb")
        for ln in fonts:
            with self.subTest(font=ln):
                self.assertEqual(ln[emb_at:emb_at + 3], "yes", lines)
        self.assertIn("调解协议书", text)
        self.assertIn("劳动报酬", text)
        self.assertIn(c["number"], text)
        # The whole CJK font is ~5 MB; an embedded subset keeps the file small.
        self.assertLess(len(r.raw), 1500000)

    def test_pdf_has_chinese_title_and_number(self):
        c = agreed_case()
        for tok in (T["worker"], T["mediator.hrss"]):
            S.request("POST", "/api/v1/cases/%d/agreement/confirm" % c["id"], body={}, token=tok)
        r = S.request("GET", "/api/v1/cases/%d/agreement.pdf" % c["id"], token=T["worker"])
        assert_status(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertTrue(r.raw.startswith(b"%PDF"))
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "a.pdf")
            with open(path, "wb") as f:
                f.write(r.raw)
            p = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            text = p.stdout.decode("utf-8")
        finally:
            shutil.rmtree(tmp)
        self.assertIn("调解协议书", text)
        self.assertIn(c["number"], text)
        self.assertIn("3000.00", text)
        self.assertIn("200.50", text)
        self.assertIn("劳动报酬", text)
        self.assertIn("尚未确认", text)  # the respondent has not confirmed yet
        # The respondent may fetch it; strangers may not; no agreement, no PDF.
        assert_status(S.request("GET", "/api/v1/cases/%d/agreement.pdf" % c["id"], token=P1[1]),
                      200)
        assert_error(S.request("GET", "/api/v1/cases/%d/agreement.pdf" % c["id"],
                               token=T["worker2"]), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/cases/%d/agreement.pdf" % c["id"],
                               token=T["insurer"]), 403, "forbidden")
        fresh = file_case(S, T["worker"], P1[0])
        assert_error(S.request("GET", "/api/v1/cases/%d/agreement.pdf" % fresh["id"],
                               token=T["worker"]), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/cases/%d/agreement" % fresh["id"],
                               token=T["worker"]), 404, "not_found")


def sheet_xml(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    sheet = [n for n in names if n.startswith("xl/worksheets/sheet")][0]
    return z.read(sheet).decode("utf-8")


class TestExport(unittest.TestCase):
    def test_export_has_the_rows(self):
        mine = [file_case(S, T["worker2"], P2[0], type_="other") for _ in range(3)]
        r = S.request("GET", "/api/v1/cases/export.xlsx", token=T["admin"],
                      query={"platform": P2[0]})
        assert_status(r, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"))
        self.assertTrue(r.raw.startswith(b"PK"))
        xml = sheet_xml(r.raw)
        root = ET.fromstring(xml)
        ns = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        rows = root.findall(".//s:sheetData/s:row", ns)
        expected = count(S, "SELECT COUNT(*) FROM cases WHERE respondent_org_id = %d" % P2[0])
        self.assertEqual(len(rows), expected + 1)  # a header row, then one per case
        for c in mine:
            self.assertIn(c["number"], xml)
        # Same filters as the list, same scope: hrss sees only its own cases.
        r = S.request("GET", "/api/v1/cases/export.xlsx", token=T["mediator.siming"],
                      query={"platform": P2[0]})
        assert_status(r, 200)
        xml = sheet_xml(r.raw)
        for c in mine:
            self.assertNotIn(c["number"], xml)
        assert_error(S.request("GET", "/api/v1/cases/export.xlsx", token=T["worker"]), 403,
                     "forbidden")
        assert_error(S.request("GET", "/api/v1/cases/export.xlsx", token=P1[1]), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/cases/export.xlsx", token=T["admin"],
                               query={"state": "bogus"}), 400, "invalid_parameter", "state")
        # Nothing is left behind in the temporary folder.
        tmp = os.path.join(S.files_dir, "tmp")
        self.assertEqual([f for f in os.listdir(tmp)] if os.path.isdir(tmp) else [], [])

    def test_money_is_exact(self):
        c = file_case(S, T["worker2"], P2[0], claims=[{"category": "pay", "amount_fen": 123457}])
        r = S.request("GET", "/api/v1/cases/export.xlsx", token=T["admin"],
                      query={"platform": P2[0], "type": "unpaid_pay"})
        xml = sheet_xml(r.raw)
        self.assertIn(c["number"], xml)
        self.assertIn("1234.57", xml)
        self.assertIn("123457", xml)


SHEET_NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def cell_col(ref):
    return "".join(ch for ch in ref if ch.isalpha())


def cell_text(c):
    """The text of a cell: inline (constant-memory mode) or its value."""
    t = c.find("s:is/s:t", SHEET_NS)
    if t is not None:
        return t.text or ""
    v = c.find("s:v", SHEET_NS)
    return v.text if v is not None else ""


class TestLargeExport(unittest.TestCase):
    def test_every_row_numeric_money_shanghai_times(self):
        # More cases than any page: the export must hold every one of them.
        plat = add_platform(S, "courier")
        made = [file_case(S, T["worker2"], plat[0],
                          claims=[{"category": "pay", "amount_fen": 100000 + i}])
                for i in range(120)]
        r = S.request("GET", "/api/v1/cases/export.xlsx", token=T["admin"],
                      query={"platform": plat[0]})
        assert_status(r, 200)
        z = zipfile.ZipFile(io.BytesIO(r.raw))
        sheet = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")][0]
        root = ET.fromstring(z.read(sheet))
        styles = ET.fromstring(z.read("xl/styles.xml"))
        rows = root.findall(".//s:sheetData/s:row", SHEET_NS)
        self.assertEqual(len(rows), 121)  # the header and every case
        header = {cell_col(c.get("r")): cell_text(c) for c in rows[0].findall("s:c", SHEET_NS)}
        by_name = {v.split(" ")[0]: k for k, v in header.items()}
        self.assertIn("提交时间(北京时间)", by_name)
        self.assertIn("受理时间(北京时间)", by_name)
        self.assertIn("UTC+8", header[by_name["提交时间(北京时间)"]])
        # The number format of each cell style (cellXfs index -> format code).
        fmts = {f.get("numFmtId"): f.get("formatCode")
                for f in styles.findall(".//s:numFmts/s:numFmt", SHEET_NS)}
        fmts["2"] = "0.00"  # the built-in two-decimal format
        xfs = [fmts.get(x.get("numFmtId")) for x in styles.findall(".//s:cellXfs/s:xf", SHEET_NS)]
        numbers = {m["number"]: m for m in made}
        seen = set()
        yuan_cols = [by_name["请求金额(元)"], by_name["协议金额(元)"], by_name["已履行(元)"]]
        for row in rows[1:]:
            cells = {cell_col(c.get("r")): c for c in row.findall("s:c", SHEET_NS)}
            number = cell_text(cells["A"])
            self.assertIn(number, numbers)
            seen.add(number)
            for col in yuan_cols:
                c = cells[col]
                self.assertNotIn(c.get("t"), ("s", "inlineStr", "str"), (number, col))
                self.assertEqual(xfs[int(c.get("s", "0"))], "0.00", (number, col))
            claimed = float(cell_text(cells[yuan_cols[0]]))
            self.assertAlmostEqual(claimed, numbers[number]["claimed_total_fen"] / 100, places=2)
            when = cell_text(cells[by_name["提交时间(北京时间)"]])
            self.assertRegex(when, r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+08:00$")
            utc = datetime.datetime.strptime(numbers[number]["submitted_at"],
                                             "%Y-%m-%dT%H:%M:%SZ")
            self.assertEqual(when, (utc + datetime.timedelta(hours=8)).strftime(
                "%Y-%m-%d %H:%M:%S+08:00"))
        self.assertEqual(seen, set(numbers))


class TestSettlementExport(unittest.TestCase):
    """The insurance settlement workbook keeps money numeric too."""

    def test_yuan_cells_are_numbers(self):
        month = today().strftime("%Y-%m")
        r = S.request("GET", "/api/v1/insurance/settlements", token=T["admin"],
                      query={"month": month, "format": "xlsx"})
        assert_status(r, 200)
        z = zipfile.ZipFile(io.BytesIO(r.raw))
        root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        styles = ET.fromstring(z.read("xl/styles.xml"))
        fmts = {f.get("numFmtId"): f.get("formatCode")
                for f in styles.findall(".//s:numFmts/s:numFmt", SHEET_NS)}
        fmts["2"] = "0.00"
        xfs = [fmts.get(x.get("numFmtId")) for x in styles.findall(".//s:cellXfs/s:xf", SHEET_NS)]
        rows = root.findall(".//s:sheetData/s:row", SHEET_NS)[2:]  # title, blank, header
        self.assertGreater(len(rows), 1)  # payers and the total
        for row in rows[1:]:
            cells = {cell_col(c.get("r")): c for c in row.findall("s:c", SHEET_NS)}
            fen = int(float(cells["D"].find("s:v", SHEET_NS).text))
            for col in ("G", "H", "I"):
                c = cells[col]
                self.assertNotIn(c.get("t"), ("s", "inlineStr", "str"), (row.get("r"), col))
                self.assertEqual(xfs[int(c.get("s", "0"))], "0.00")
            self.assertAlmostEqual(float(cells["G"].find("s:v", SHEET_NS).text), fen / 100,
                                   places=2)


class TestMonitoringListExport(unittest.TestCase):
    """?format=xlsx on a monitoring list is the whole list, not its first page."""

    def test_roster_export_has_every_worker(self):
        tok = T["admin"]
        r = S.request("POST", "/api/v1/platforms", token=tok,
                      body={"name": unique("平台"), "credit_code": credit_code(),
                            "sector": "food_delivery", "appeal_channel": "App 申诉"})
        assert_status(r, 201)
        pid = r.body["id"]
        k = S.request("POST", "/api/v1/platforms/%d/keys" % pid, token=tok, body={"label": "x"})
        assert_status(k, 201)
        head = "platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n"
        body = head + "".join("W%03d,工人%d,%s,139%08d,外卖骑手,active,2023-05-01,350206\n"
                              % (i, i, id_number(), i) for i in range(120))
        r = S.request("POST", "/api/v1/feeds/roster", token=k.body["key"], raw=body.encode(),
                      headers={"Content-Type": "text/csv", "Idempotency-Key": unique("b")})
        assert_status(r, 201)
        r = S.request("GET", "/api/v1/platforms/%d/workers" % pid, token=tok)
        self.assertEqual(len(r.body["items"]), 50)  # the JSON list pages
        r = S.request("GET", "/api/v1/platforms/%d/workers" % pid, token=tok,
                      query={"format": "xlsx"})
        assert_status(r, 200)
        z = zipfile.ZipFile(io.BytesIO(r.raw))
        root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        self.assertEqual(len(root.findall(".//s:sheetData/s:row", SHEET_NS)), 121)
        # Instants are shown in Asia/Shanghai, the business time zone, never as UTC text.
        strings = [t.text or "" for t in
                   ET.fromstring(z.read("xl/sharedStrings.xml")).iter(
                       "{%s}t" % SHEET_NS["s"])]
        self.assertFalse([x for x in strings if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}Z", x)])
        local = [x for x in strings if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00", x)]
        self.assertTrue(local)  # shared strings: one per distinct value


def png_size(data):
    """(width, height, bit depth, colour type) from a PNG's IHDR, checking its CRC."""
    self_magic = b"\x89PNG\r\n\x1a\n"
    assert data[:8] == self_magic, data[:8]
    length, = struct.unpack(">I", data[8:12])
    assert data[12:16] == b"IHDR"
    body = data[16:16 + length]
    crc, = struct.unpack(">I", data[16 + length:20 + length])
    assert zlib.crc32(b"IHDR" + body) & 0xffffffff == crc
    w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    return w, h, depth, ctype


class TestQr(unittest.TestCase):
    def test_intake_svg(self):
        r = S.request("GET", "/api/v1/qr/intake.svg", query={"base": "https://egret.example.cn"})
        assert_status(r, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith("image/svg+xml"))
        root = ET.fromstring(r.raw)
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
        vb = [int(x) for x in root.get("viewBox").split()]
        self.assertEqual(vb[2], vb[3])
        self.assertEqual((vb[2] - 8 - 21) % 4, 0)  # a real QR size: 21 + 4k modules + quiet zone
        path = root.find("{http://www.w3.org/2000/svg}path")
        self.assertTrue(path.get("d").startswith("M"))
        # Another address gives another code; the Host header is never the
        # base (server.public_url is, and this server has none).
        other = S.request("GET", "/api/v1/qr/intake.svg", query={"base": "https://b.example"})
        self.assertNotEqual(other.raw, r.raw)
        assert_error(S.request("GET", "/api/v1/qr/intake.svg"), 400, "invalid_parameter",
                     field="base")

    def test_intake_png(self):
        r = S.request("GET", "/api/v1/qr/intake.png", query={"base": "https://egret.example.cn",
                                                             "scale": "4"})
        assert_status(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "image/png")
        self.assertTrue(r.raw.startswith(b"\x89PNG\r\n\x1a\n"))
        w, h, depth, ctype = png_size(r.raw)
        self.assertEqual(w, h)
        self.assertEqual(w % 4, 0)
        self.assertEqual((w // 4 - 8 - 21) % 4, 0)
        self.assertEqual((depth, ctype), (1, 0))
        r8 = S.request("GET", "/api/v1/qr/intake.png", query={"base": "https://egret.example.cn"})
        self.assertEqual(png_size(r8.raw)[0], 2 * w)  # default scale 8

    def test_service_point_codes(self):
        svg = S.request("GET", "/api/v1/qr/service-points/12.svg", query={"base": "https://x.cn"})
        assert_status(svg, 200)
        ET.fromstring(svg.raw)
        png = S.request("GET", "/api/v1/qr/service-points/12.png", query={"base": "https://x.cn"})
        assert_status(png, 200)
        png_size(png.raw)
        other = S.request("GET", "/api/v1/qr/service-points/13.svg", query={"base": "https://x.cn"})
        self.assertNotEqual(other.raw, svg.raw)
        for bad in ("abc.svg", "12.gif", "0.svg", ".svg", "12", "-1.png", "12.svg.png",
                    "99999999999999999999.svg"):
            with self.subTest(bad=bad):
                assert_error(S.request("GET", "/api/v1/qr/service-points/" + bad), 404,
                             "not_found")

    def test_bad_parameters(self):
        for q in ({"base": "javascript:alert(1)"}, {"base": "ftp://x"},
                  {"base": "https://a b"}, {"base": "https://"}, {"base": "https://x\"<y"},
                  {"base": "https://" + "a" * 300}):
            with self.subTest(q=q):
                assert_error(S.request("GET", "/api/v1/qr/intake.svg", query=q), 400,
                             "invalid_parameter", "base")
        for s in ("0", "33", "x"):
            assert_error(S.request("GET", "/api/v1/qr/intake.png",
                                   query={"base": "https://x.cn", "scale": s}), 400,
                         "invalid_parameter", "scale")
        assert_error(S.request("POST", "/api/v1/qr/intake.svg"), 405, "method_not_allowed")


if __name__ == "__main__":
    unittest.main()
