"""A short soak (bench/soak.py) with 5% injected upstream faults: every answer typed, no crash, and every
write the gateway reported done or failed is as it said in Cognito afterwards."""

from bench import soak


def test_a_short_soak_loses_nothing_and_tells_the_truth(tmp_path, capsys):
    out = tmp_path / "results.md"
    out.write_text("# earlier report\n\nkept\n")

    figures = soak.main(
        ["--duration", "4", "--clients", "8", "--users", "20", "--fault-rate", "0.1", "--out", str(out)]
    )

    assert figures["requests"] > 20 and figures["faults"] > 0
    assert (figures["untyped"], figures["crashes"], figures["alive"]) == (0, 0, True)
    assert figures["checked"].get("wrong", 0) == 0
    assert figures["checked"].get("honest", 0) > 0
    report = out.read_text()
    assert report.startswith("# earlier report\n\nkept\n\n## Soak\n")
    assert "| untyped errors | 0 | 0 |" in report
