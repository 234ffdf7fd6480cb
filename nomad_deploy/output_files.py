"""Writing rendered jobs into a folder: all files or none.

Each file is written to a temporary name in the target folder and renamed into place only
once every file was written, so a full disk, a read-only folder or a failing second job
leaves the folder as it was (a rename within one folder replaces the old file at once).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from nomad_deploy.errors import NomadDeployError, UsageError
from nomad_deploy.project_schema import job_name_problem


class OutputError(NomadDeployError):
    """The rendered files could not be written; nothing was changed."""


def output_path(folder: Path, name: str) -> Path:
    """``folder/<name>.nomad.hcl``; raises UsageError for a name that is no plain file
    name (it would land outside the folder, or nowhere)."""
    problem = job_name_problem(name)
    if problem:
        raise UsageError(f"cannot write job {name!r} to a file: the name {problem}")
    return folder / f"{name}.nomad.hcl"


def write_all(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` (job name -> text) into ``folder`` atomically; return the paths.

    Raises UsageError for a bad or repeated name or a folder that is a file, OutputError
    for any other failure; in both cases no file in the folder changed.
    """
    targets = {name: output_path(folder, name) for name in files}
    payloads = {name: _encode(name, text) for name, text in files.items()}
    created = _make_folder(folder)
    written: list[tuple[str, Path]] = []
    try:
        for name, payload in payloads.items():
            written.append((name, _write_temporary(folder, name, payload)))
        for name, temporary in written:
            os.replace(temporary, targets[name])
    except OSError as error:
        for _, temporary in written:
            with contextlib.suppress(OSError):
                temporary.unlink()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise OutputError(
            f"cannot write the rendered files: {error.strerror or error}; nothing was written",
            [("Folder", str(folder))],
        ) from error
    return list(targets.values())


def _encode(name: str, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise OutputError(
            f"job {name!r} renders text that is not UTF-8; nothing was written",
            suggestion="check --var values and var files for bytes that are not UTF-8",
        ) from error


def _make_folder(folder: Path) -> bool:
    """Create ``folder`` (and parents) if needed; True when it was created here."""
    if folder.is_dir():
        return False
    try:
        folder.mkdir(parents=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise UsageError(
            "--out must be a folder, and a file is in the way", [("Path", str(error.filename))]
        ) from error
    except OSError as error:
        raise OutputError(
            f"cannot create the --out folder: {error.strerror or error}", [("Folder", str(folder))]
        ) from error
    return True


def _write_temporary(folder: Path, name: str, payload: bytes) -> Path:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Path(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
