"""Preparing rasa-webchat's bundle: the web font import from a CDN is left out."""
import pytest

from scripts.build_web import VENDOR, build

IMPORT = "@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"


def package_with(tmp_path, bundle: str):
    package = tmp_path / "rasa-webchat"
    (package / "lib").mkdir(parents=True)
    (package / "lib" / "index.js").write_text(bundle, encoding="utf-8")
    (package / "LICENSE").write_text("Apache License 2.0", encoding="utf-8")
    return package


def test_the_font_import_is_removed_and_the_rest_kept(tmp_path):
    bundle = f't.push([e.i,"{IMPORT}",""]),t.push([e.i,".rw-reply{{color:#fff}}",""]);'
    target = build(package_with(tmp_path, bundle), tmp_path / "vendor")
    assert target.read_text(encoding="utf-8") == 't.push([e.i,"",""]),t.push([e.i,".rw-reply{color:#fff}",""]);'
    assert (tmp_path / "vendor" / "rasa-webchat.LICENSE").read_text() == "Apache License 2.0"


@pytest.mark.parametrize("bundle", ["var a = 1;", f'"{IMPORT}" "https://fonts.googleapis.com/icon"'])
def test_a_bundle_it_does_not_recognise_stops_the_build(tmp_path, bundle):
    with pytest.raises(ValueError):
        build(package_with(tmp_path, bundle), tmp_path / "vendor")


def test_a_missing_package_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci"):
        build(tmp_path / "nothing", tmp_path / "vendor")


def test_the_served_bundle_loads_nothing_from_a_cdn():
    bundle = (VENDOR / "rasa-webchat.js").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in bundle and "cdn.jsdelivr" not in bundle
    assert "socket.io" in bundle  # and it is the widget
