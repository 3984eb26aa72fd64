"""Render every sample notice to PDF and PNG for a person to look at (`make letters-preview`).

Nothing is written to the database: the samples are built in memory (letters/samples.py).
The co-op's own boilerplate (sender, contact and complaint desks) is used when the
database is reachable, so the preview shows what members will receive.
"""

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from requests_portal.letters.kinds import notice_for
from requests_portal.letters.renderer import render_pdf
from requests_portal.letters.samples import SAMPLES, sample_profile, sample_source
from requests_portal.models import OrganisationProfile


class Command(BaseCommand):
    help = "通知書の見本（種類ごと）をPDFとPNGに出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="var/letters-preview", help="output folder")
        parser.add_argument("--dpi", type=int, default=80, help="PNG resolution")
        parser.add_argument(
            "--sample-boilerplate", action="store_true", help="use the sample contact texts, not the database's"
        )

    def handle(self, *args: str, **options: Any) -> None:
        out = Path(str(options["out"]))
        out.mkdir(parents=True, exist_ok=True)
        profile = sample_profile() if options["sample_boilerplate"] else self._profile()
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            self.stderr.write("pdftoppm (poppler-utils) not found: writing PDFs only")
        for sample in SAMPLES:
            started = time.perf_counter()
            pdf = render_pdf(notice_for(sample_source(sample, profile=profile)).html())
            elapsed = time.perf_counter() - started
            pdf_path = out / f"{sample.slug}.pdf"
            pdf_path.write_bytes(pdf)
            if pdftoppm:
                for old in out.glob(f"{sample.slug}-*.png"):
                    old.unlink()
                result = subprocess.run(  # noqa: S603 - fixed program, our own file names
                    [pdftoppm, "-png", "-r", str(options["dpi"]), str(pdf_path), str(out / sample.slug)],
                    capture_output=True,
                    check=False,
                )
                if result.returncode:
                    raise CommandError(result.stderr.decode(errors="replace"))
            self.stdout.write(f"{sample.slug:28} {elapsed * 1000:6.0f} ms  {pdf_path}")
        self.stdout.write(self.style.SUCCESS(f"{len(SAMPLES)} notices in {out}/"))

    def _profile(self) -> OrganisationProfile:
        try:
            profile = OrganisationProfile.objects.filter(pk=1).first()
        except DatabaseError:
            profile = None
        if profile is None or not profile.ga_contact:
            return sample_profile()
        return profile
