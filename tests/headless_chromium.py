"""Headless Chromium for the tests of kiln's HTML pages: the DOM after scripts ran, and a screenshot."""
import os
import subprocess


def _chromium(workdir, *args):
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--user-data-dir=" + os.path.join(workdir, "chromium-profile"), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout


def dump_dom(page, workdir):
    return _chromium(workdir, "--dump-dom", "file://" + os.path.abspath(page))


def screenshot(page, workdir, png):
    _chromium(workdir, "--screenshot=" + os.path.abspath(png), "--window-size=1400,1000",
              "file://" + os.path.abspath(page))
    return os.path.getsize(png)
