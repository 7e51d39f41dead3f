"""`bin/demo 0.0.0.0:PORT`, as a newcomer runs it to show jobbro to a colleague on the same network: the server
answers to this machine's own name (not 400), and the address it prints can be opened."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_on_every_address_answers_to_the_machines_name_and_prints_an_address_to_open(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBRO_")}
    env.update(JOBBRO_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            ["bin/demo", f"0.0.0.0:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = None
        for _ in range(600):
            text = log.read_text()
            printed = re.search(r"jobbro kører på (.*)", text)
            if printed and "Quit the server" in text:
                break
            assert demo.poll() is None, text
            time.sleep(0.2)
        assert printed, log.read_text()
        addresses = re.findall(r"http://[^\s]+", printed.group(1))
        assert addresses and not any("0.0.0.0" in address for address in addresses)
        name = socket.gethostname()
        assert f"http://{name}:{port}" in addresses
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": f"{name}:{port}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        for address in addresses:
            with urllib.request.urlopen(f"{address}/healthz", timeout=30) as response:
                assert response.status == 200
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(30)
