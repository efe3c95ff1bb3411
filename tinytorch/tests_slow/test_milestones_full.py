"""Every milestone at full budget must reach the target stated in its TARGET line."""
import pytest

NAMES = ["perceptron", "xor", "mlp", "cnn", "transformer", "optimization"]


@pytest.mark.parametrize("name", NAMES)
def test_milestone_reaches_its_stated_target(name, load_milestone):
    milestone = load_milestone(name)
    lines = []
    result = milestone.run(quick=False, log=lines.append)
    print(f"{name}: {result}")
    assert result["passed"], f"{name} missed '{milestone.TARGET}': {result}\n" + "\n".join(lines)
