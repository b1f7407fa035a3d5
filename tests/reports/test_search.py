from instructprobe.perturb import Order, Request
from instructprobe.probes.search import Finding
from instructprobe.reports.search import finding_text


def finding(order_before, order_after, operators):
    return Finding(
        "q1",
        operators,
        "I need passages on dogs.",
        "I require passages on dogs.",
        order_before,
        Request("dog travel", "I require passages on dogs.", order_after),
        "d1",
        1,
        2,
        "d1",
        "d2",
        10,
    )


def test_a_finding_says_the_query_moved_only_when_its_edit_moved_it():
    kept = finding(Order.QUERY_FIRST, Order.QUERY_FIRST, ("phrase-rules",))
    assert "query placed" not in finding_text(kept).plain
    after = finding(Order.QUERY_FIRST, Order.INSTRUCTION_FIRST, ("template-swap",))
    assert "(query placed after the instruction)" in finding_text(after).plain
    before = finding(Order.INSTRUCTION_FIRST, Order.QUERY_FIRST, ("template-swap",))
    assert "(query placed before the instruction)" in finding_text(before).plain
