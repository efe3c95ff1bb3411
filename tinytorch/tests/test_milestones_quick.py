"""Every milestone on its quick budget: clearly better than chance (full targets: tests_slow/)."""
import pytest

NAMES = ["perceptron", "xor", "mlp", "cnn", "transformer", "optimization"]


@pytest.mark.parametrize("name", NAMES)
def test_milestone_quick_budget(name, load_milestone):
    milestone = load_milestone(name)
    lines = []
    result = milestone.run(quick=True, log=lines.append)
    assert result["passed"], f"{name} missed its quick target: {result}\n" + "\n".join(lines)
