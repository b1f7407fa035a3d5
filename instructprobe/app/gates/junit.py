"""JUnit XML for ``probe gate --junit FILE``: one testcase per check, failures with their
numbers and strata, so CI systems show gates as tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from instructprobe.app.gates.rules import Check


def document(checks: Sequence[Check], suite: str, seconds: float = 0.0) -> str:
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
        case = ET.SubElement(node, "testcase", classname=suite, name=check.name, time="0")
        if check.properties:
            properties = ET.SubElement(case, "properties")
            for name, value in check.properties:
                ET.SubElement(properties, "property", name=name, value=value)
        if not check.passed:
            failure = ET.SubElement(case, "failure", message=check.outcome, type="GateFailure")
            failure.text = check.report()
        else:
            out = ET.SubElement(case, "system-out")
            out.text = check.report()
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(path: str | Path, checks: Sequence[Check], suite: str, seconds: float = 0.0) -> None:
    from instructprobe.core.files import write_atomic

    write_atomic(path, document(checks, suite, seconds))


def error_document(suite: str, message: str) -> str:
    """A JUnit file that records a gate that could not be evaluated (exit 2)."""
    root = ET.Element("testsuites")
    node = ET.SubElement(root, "testsuite", name=suite, tests="1", failures="0", errors="1")
    case = ET.SubElement(node, "testcase", classname=suite, name="gates file")
    error = ET.SubElement(case, "error", message=message, type="GateError")
    error.text = message
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
