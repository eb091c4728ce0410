"""Operations on a deployment's data: proven backups, the restore drill,
egret doctor and the anchored audit trail (docs/operations.md).

Each test makes its own database (no server is started: these are
command-line tools) on the run's engine, SQLite or PostgreSQL.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from egret_client import REPO, Server, EGRET

DRILL = os.path.join(REPO, "scripts", "restore-drill.sh")


class OpsCase(unittest.TestCase):
    seed = True

    def setUp(self):
        self.S = Server(seed=self.seed)
        self.S.prepare()
        self.backups = os.path.join(self.S.dir, "backups")
        self.env = {"EGRET_BACKUP_DIR": self.backups}

    def tearDown(self):
        self.S.cleanup()

    def cli(self, *args, check=False):
        return self.S.run_cli(list(args), env=self.env, check=check)

    def newest_backup(self):
        names = sorted(n for n in os.listdir(self.backups) if n.startswith("egret-backup-"))
        return os.path.join(self.backups, names[-1])


class TestBackup(OpsCase):
    def test_backup_verify_drill_then_corruption(self):
        os.makedirs(os.path.join(self.S.files_dir, "evidence"), exist_ok=True)
        with open(os.path.join(self.S.files_dir, "evidence", "proof.jpg"), "wb") as f:
            f.write(b"\xff\xd8 evidence bytes")
        os.makedirs(os.path.join(self.S.files_dir, "tmp"), exist_ok=True)
        with open(os.path.join(self.S.files_dir, "tmp", "scratch"), "w") as f:
            f.write("not kept")
        for _ in range(3):
            self.cli("backup", "--keep", "2", check=True)
        names = [n for n in os.listdir(self.backups) if n.startswith("egret-backup-")]
        self.assertEqual(len(names), 2, names)  # pruned to --keep
        b = self.newest_backup()
        self.assertEqual(sorted(os.listdir(b)), ["MANIFEST", "counts.txt",
                         "database.pgdump" if self.S.engine == "postgres" else "database.sqlite",
                         "files"])
        self.assertTrue(os.path.isfile(os.path.join(b, "files", "evidence", "proof.jpg")))
        self.assertFalse(os.path.exists(os.path.join(b, "files", "tmp")))
        # The manifest is what sha256sum -c reads.
        subprocess.run(["sha256sum", "--quiet", "-c", "MANIFEST"], cwd=b, check=True)

        p = self.cli("backup", "verify", self.backups)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("backup OK", p.stdout)
        drill = ["bash", DRILL, "--egret", EGRET, "--dir", self.backups, "--compare-source"]
        d = subprocess.run(drill, env=self.S.env(self.env), cwd=self.S.dir, capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(d.returncode, 0, d.stdout + d.stderr)
        self.assertIn("audit trail intact", d.stdout)
        self.assertIn("restore-drill: OK", d.stdout)
        # The source written to since: only --compare-source sees the difference.
        self.S.sql("INSERT INTO departments (code, name, kind, parent_id, path, created_at) "
                   "SELECT 'drill-x', 'x', kind, parent_id, path, created_at FROM departments "
                   "WHERE parent_id IS NOT NULL LIMIT 1")
        d = subprocess.run(drill, env=self.S.env(self.env), cwd=self.S.dir, capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(d.returncode, 1, d.stdout + d.stderr)
        self.assertIn("departments:", d.stderr)
        d = subprocess.run(drill[:-1], env=self.S.env(self.env), cwd=self.S.dir,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(d.returncode, 0, d.stdout + d.stderr)

        # One changed byte in the database copy, then in an uploaded file.
        db_copy = os.path.join(b, [n for n in os.listdir(b) if n.startswith("database.")][0])
        for victim in (db_copy, os.path.join(b, "files", "evidence", "proof.jpg")):
            with open(victim, "r+b") as f:
                f.seek(3)
                byte = f.read(1)
                f.seek(3)
                f.write(bytes([byte[0] ^ 0x01]))
            p = self.cli("backup", "verify", b)
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertIn("does not match its checksum", p.stdout)
            self.assertIn(os.path.relpath(victim, b), p.stdout)
            with open(victim, "r+b") as f:
                f.seek(3)
                f.write(byte)
        self.assertEqual(self.cli("backup", "verify", b).returncode, 0)

        # A file slipped into the backup is refused too, and the drill stops on it.
        with open(os.path.join(b, "files", "extra"), "w") as f:
            f.write("x")
        p = self.cli("backup", "verify", b)
        self.assertEqual(p.returncode, 1)
        self.assertIn("MANIFEST lists", p.stdout)
        d = subprocess.run(["bash", DRILL, "--egret", EGRET, "--dir", self.backups],
                           env=self.S.env(self.env), cwd=self.S.dir, capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(d.returncode, 1)
        self.assertIn("does not verify", d.stderr)

    def test_drill_finds_a_count_difference(self):
        self.cli("backup", check=True)
        counts = os.path.join(self.newest_backup(), "counts.txt")
        with open(counts) as f:
            lines = f.read().splitlines()
        lines = [("people %d" % (int(l.split()[1]) + 1)) if l.startswith("people ") else l
                 for l in lines]
        with open(counts, "w") as f:
            f.write("\n".join(lines) + "\n")
        # Re-sign the manifest so only the count differs.
        b = self.newest_backup()
        os.remove(os.path.join(b, "MANIFEST"))
        out = subprocess.run("find . -type f ! -name MANIFEST | sed 's|^\\./||' | LC_ALL=C sort "
                             "| xargs sha256sum > MANIFEST", shell=True, cwd=b, check=True)
        self.assertEqual(out.returncode, 0)
        d = subprocess.run(["bash", DRILL, "--egret", EGRET, "--dir", self.backups],
                           env=self.S.env(self.env), cwd=self.S.dir, capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(d.returncode, 1, d.stdout + d.stderr)
        self.assertIn("people:", d.stderr)

    def test_usage(self):
        self.assertEqual(self.cli("backup", "--keep", "0").returncode, 2)
        self.assertEqual(self.cli("backup", "x.db", "--dir", "d").returncode, 2)
        p = self.cli("backup", "verify", os.path.join(self.S.dir, "nothing"))
        self.assertEqual(p.returncode, 1)


class TestDoctor(OpsCase):
    seed = False

    def doctor(self):
        p = self.cli("doctor", "--json")
        doc = json.loads(p.stdout)
        return p.returncode, doc, {c["name"]: c for c in doc["checks"]}

    def test_fresh_database_passes_with_warnings(self):
        rc, doc, checks = self.doctor()
        self.assertEqual(rc, 0, json.dumps(doc, indent=1))
        self.assertEqual(set(doc), {"status", "checks"})
        self.assertIn(doc["status"], ("ok", "warn"))
        for c in doc["checks"]:
            self.assertEqual(set(c), {"name", "status", "message"})
            self.assertIn(c["status"], ("ok", "warn"))
        for name in ("database", "master_key", "schema", "reference.districts",
                     "reference.occupations", "reference.routing", "reference.products"):
            self.assertEqual(checks[name]["status"], "ok", checks[name])
        # Never run is a warning on a new deployment, not a failure.
        self.assertEqual(checks["job.insurance.daily"]["status"], "warn")
        self.assertEqual(checks["backup.age"]["status"], "warn")
        self.cli("insurance", "daily", check=True)
        self.cli("backup", check=True)
        rc, doc, checks = self.doctor()
        self.assertEqual(checks["job.insurance.daily"]["status"], "ok")
        self.assertEqual(checks["backup.age"]["status"], "ok")
        p = self.cli("doctor")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"(?m)^ok   schema\s+at version \d+$")

    def test_missing_reference_data_fails(self):
        self.S.sql("DELETE FROM calendar_days")
        rc, doc, checks = self.doctor()
        self.assertEqual(rc, 1)
        self.assertEqual(doc["status"], "fail")
        failed = [n for n, c in checks.items() if c["status"] == "fail"]
        self.assertEqual(len(failed), 1, failed)
        self.assertTrue(failed[0].startswith("reference.calendar_"), failed)
        p = self.cli("doctor")
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout, r"(?m)^fail reference\.calendar_\d{4}\s+no holiday calendar")

    def test_wrong_key_and_stale_job_fail(self):
        other = os.path.join(self.S.dir, "other.key")
        with open(other, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(other, 0o600)
        p = self.S.run_cli(["doctor"], env=dict(self.env, EGRET_SECURITY_KEY_FILE=other))
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout, r"(?m)^fail master_key\s+does not match")
        self.cli("insurance", "daily", check=True)
        self.S.sql("UPDATE job_runs SET last_ok_at = last_ok_at - 100000")
        rc, doc, checks = self.doctor()
        self.assertEqual(rc, 1)
        self.assertEqual(checks["job.insurance.daily"]["status"], "fail")


class TestAnchor(OpsCase):
    def disable_append_only(self):
        if self.S.engine == "postgres":
            self.S.sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        else:
            self.S.sql("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete")

    def test_truncation_is_found_and_restore_passes(self):
        key = os.path.join(self.S.dir, "anchor.key")
        anchors = os.path.join(self.S.dir, "anchors")
        self.cli("audit", "keygen", "--key", key, check=True)
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertEqual(self.cli("audit", "keygen", "--key", key).returncode, 1)  # no overwrite
        self.cli("audit", "anchor", "--key", key, "--out", anchors, check=True)
        verify = ["audit", "verify", "--anchor", anchors, "--pubkey", key + ".pub"]
        p = self.cli(*verify)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("anchors hold", p.stdout)
        checks = {c["name"]: c for c in json.loads(self.cli("doctor", "--json").stdout)["checks"]}
        self.assertEqual(checks["job.audit.anchor"]["status"], "ok", checks)

        head = int(self.S.sql("SELECT seq FROM audit_head")[0][0])
        cut = head - 3
        self.disable_append_only()
        self.S.sql("CREATE TABLE audit_saved AS SELECT * FROM audit_events WHERE seq > %d" % cut)
        self.S.sql("DELETE FROM audit_events WHERE seq > %d" % cut)
        self.S.sql("UPDATE audit_head SET seq = %d, hash = (SELECT hash FROM audit_events "
                   "WHERE seq = %d) WHERE id = 1" % (cut, cut))
        # The chain alone cannot tell; the anchor can.
        p = self.cli("audit", "verify")
        self.assertEqual(p.returncode, 0, p.stdout)
        p = self.cli(*verify)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("TRUNCATED", p.stdout)
        self.assertIn("event %d" % head, p.stdout)

        # Restored: the anchor holds again.
        self.S.sql("INSERT INTO audit_events SELECT * FROM audit_saved")
        self.S.sql("UPDATE audit_head SET seq = %d, hash = (SELECT hash FROM audit_events "
                   "WHERE seq = %d) WHERE id = 1" % (head, head))
        p = self.cli(*verify)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        # An altered anchor line is refused as not signed by the key.
        with open(anchors) as f:
            line = f.read()
        with open(anchors, "w") as f:
            f.write(line.replace("seq=%d " % head, "seq=%d " % (head - 1)))
        p = self.cli(*verify)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not signed by this key", p.stdout)

    def test_usage(self):
        self.assertEqual(self.cli("audit", "anchor", "--out", "x").returncode, 2)
        self.assertEqual(self.cli("audit", "verify", "--anchor", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main()
