"""Whatever a report's HTML says, the PDF reads only the project's fonts and static files and
``data:`` URLs: never a file of the server, never the network."""

import base64
import http.server
import io
import subprocess
import threading

import pytest
from PIL import Image

from capsante.ui import pdf


def pixel() -> str:
    """A 1×1 PNG: data: URLs are part of the document itself, they stay allowed."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (0, 0, 145)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def web_server():
    """A real HTTP server on loopback that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b'body::after { content: "LU-SUR-LE-RESEAU"; }')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()


def _poppler(tool: str, path, *args) -> str:
    return subprocess.run(
        [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []),
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_report_never_reads_server_files_nor_the_network(tmp_path, web_server):
    base, requests = web_server
    outside = tmp_path / "hors-projet.css"
    outside.write_text('body::before { content: "LU-SUR-LE-SERVEUR"; }', encoding="utf-8")
    html = f"""<!DOCTYPE html><html lang="fr"><head><title>Rapport</title>
    <style>{pdf.font_css()} body {{ font-family: Marianne; }}</style>
    <link rel="stylesheet" href="{outside.as_uri()}">
    <link rel="stylesheet" href="{base}/x.css">
    <link href="http://example.org/x.css" rel="stylesheet">
    <link rel="attachment" href="file:///etc/passwd" title="passwd">
    </head><body><p>Décision du comité</p>
    <img src="file:///etc/passwd" alt="">
    <img src="{base}/pixel.png" alt="">
    <img src="data:image/png;base64,{pixel()}" alt="point"></body></html>"""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf.html_to_pdf(html))

    text = _poppler("pdftotext", path)
    assert "Décision du comité" in text
    assert "LU-SUR-LE-SERVEUR" not in text and "LU-SUR-LE-RESEAU" not in text
    assert requests == []
    assert "0 embedded files" in _poppler("pdfdetach", path, "-list")  # /etc/passwd not attached
    assert len(_poppler("pdfimages", path, "-list").splitlines()[2:]) == 1  # the data: image
    assert "Marianne" in _poppler("pdffonts", path)  # the project's fonts still load
