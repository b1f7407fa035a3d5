"""JUnit XML for ``probe gate --junit FILE``: one testcase per check, failures with their
numbers and strata, so CI systems show gates as tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from instructprobe.app.gates.rules import Check
from instructprobe.core.untrusted import printable


def document(checks: Sequence[Check], suite: str, seconds: float = 0.0) -> str:
    suite = printable(suite)
    failures = sum(1 for c in checks if not c.passed)
    root = ET.Element("testsuites")
    node = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(checks)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for check in checks:
        case = ET.SubElement(
            node, "testcase", classname=suite, name=printable(check.name), time="0"
        )
        if check.properties:
            properties = ET.SubElement(case, "properties")
            for name, value in check.properties:
                ET.SubElement(properties, "property", name=printable(name), value=printable(value))
        report = printable(check.report(), lines=True)  # XML allows no control characters
        if not check.passed:
            outcome = printable(check.outcome)
            failure = ET.SubElement(case, "failure", message=outcome, type="GateFailure")
            failure.text = report
        else:
            out = ET.SubElement(case, "system-out")
            out.text = report
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(path: str | Path, checks: Sequence[Check], suite: str, seconds: float = 0.0) -> None:
    """Atomically; a file that cannot be written is an ``OutputError`` (exit 2, never 1)."""
    from instructprobe.core.files import save_output

    save_output(path, document(checks, suite, seconds), "JUnit XML")


def error_document(suite: str, message: str) -> str:
    """A JUnit file that records a gate that could not be evaluated (exit 2)."""
    root = ET.Element("testsuites")
    node = ET.SubElement(root, "testsuite", name=suite, tests="1", failures="0", errors="1")
    case = ET.SubElement(node, "testcase", classname=suite, name="gates file")
    error = ET.SubElement(case, "error", message=printable(message), type="GateError")
    error.text = printable(message)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
