"""The wheel carries the bundled library, and an installed copy finds it."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-deps", "-q"],
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_wheel_contains_data_and_installed_package_uses_it(tmp_path: Path, invoke) -> None:
    dist = tmp_path / "dist"
    pip("wheel", "--no-build-isolation", "-w", str(dist), str(ROOT))
    [wheel] = dist.glob("cptcli-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = sorted(p.name for p in (ROOT / "data" / "procedures").glob("*.toml"))
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("cptcli/data/procedures/"))
    assert shipped == bundled and len(shipped) >= 2
    assert "cptcli/data/vocabulary.toml" in names
    assert "cptcli/cli/base.py" in names
    assert "cptcli/py.typed" in names
    schemas = {n for n in names if n.startswith("cptcli/library/schemas/")}
    assert schemas == {
        f"cptcli/library/schemas/{p.name}"
        for p in (ROOT / "src" / "cptcli" / "library" / "schemas").glob("*.schema.json")
    }
    assert len(schemas) >= 4
    # The manual page, installed under <prefix>/share/man/man1 where `man` finds it.
    [page] = [n for n in names if n.endswith(".data/data/share/man/man1/cpt.1")]
    assert zipfile.ZipFile(wheel).read(page) == (ROOT / "share/man/man1/cpt.1").read_bytes()
    # Every bundled record is also precompiled (see compiled.py), none is left out.
    compiled = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("cptcli/data/compiled/"))
    assert compiled == sorted(
        [
            "families.json",
            "history.json",
            "modifiers.json",
            *(name[: -len(".toml")] + ".json" for name in bundled),
        ]
    )

    target = tmp_path / "site"
    pip("install", "--target", str(target), str(wheel))
    code = (
        f"import sys; sys.path.insert(0, {str(target)!r}); "
        "from cptcli.cli import main; sys.argv = ['cpt', 'show', '85230', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    shown = json.loads(result.stdout)
    source = Path(shown["source"])
    assert source.is_relative_to(target / "cptcli" / "data" / "procedures")
    from_checkout = json.loads(invoke("show", "85230", "--json").stdout)
    assert shown == {**from_checkout, "source": shown["source"]}
    # The installed copy shows the record from its compiled copy: no TOML parser is
    # loaded, nor anything else the command does not need.
    modules = {m.split(".")[0] for m in result.stderr.rsplit("MODULES ", 1)[1].split()}
    assert not modules & {"tomllib", "tomli", "rich", "rapidfuzz", "jsonschema"}
    if sys.platform.startswith("linux"):
        assert "platformdirs" not in modules
    # The installed copy prints the schema it ships.
    code = (
        f"import sys; sys.path.insert(0, {str(target)!r}); "
        "from cptcli.cli import main; sys.argv = ['cpt', 'schema', 'show']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    shipped_schema = ROOT / "src" / "cptcli" / "library" / "schemas" / "show.schema.json"
    assert json.loads(result.stdout) == json.loads(shipped_schema.read_text(encoding="utf-8"))
