"""Quiz schema rules, including property tests of the letter-naming check."""
from __future__ import annotations

import string

import yaml
from hypothesis import given, strategies as st

from mlsysbook.content.quiz import check_quiz, named_letters


def write(tmp_path, questions):
    path = tmp_path / "x_quiz.yml"
    path.write_text(yaml.safe_dump({"questions": questions}))
    return check_quiz(path)


def test_calc_answer_must_be_numeric(tmp_path):
    stats = write(tmp_path, [{"type": "calc", "prompt": "p", "answer": "3.35 ms", "explanation": "e"}])
    assert any("calc answer must be a number" in e for e in stats.errors)


def test_tolerance_is_relative(tmp_path):
    stats = write(tmp_path, [{"type": "calc", "prompt": "p", "answer": 3, "tolerance": 5, "explanation": "e"}])
    assert any("tolerance is relative" in e for e in stats.errors)


def test_unknown_type_and_extra_keys_are_rejected(tmp_path):
    stats = write(tmp_path, [{"type": "essay", "prompt": "p", "answer": "a", "explanation": "e"}])
    assert stats.errors
    stats = write(tmp_path, [{"type": "short", "prompt": "p", "answer": "a", "explanation": "e", "hint": "h"}])
    assert any("hint" in e for e in stats.errors)


def test_duplicate_choices_and_bool_answer(tmp_path):
    stats = write(tmp_path, [{"type": "mcq", "prompt": "p", "choices": ["a", "A "], "answer": 0, "explanation": "e"}])
    assert any("distinct" in e for e in stats.errors)
    stats = write(tmp_path, [{"type": "mcq", "prompt": "p", "choices": ["a", "b"], "answer": True, "explanation": "e"}])
    assert any("0-based index" in e for e in stats.errors)


def test_invalid_yaml_is_explained(tmp_path):
    path = tmp_path / "x_quiz.yml"
    path.write_text("questions: [\n  - type: mcq\n")
    assert "not valid YAML" in check_quiz(path).errors[0]


@given(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=3),
       st.sampled_from(["Option {L} is correct.", "Choice ({L}) wins.", "({L}) holds.", "So {L}) is it."]))
def test_naming_the_key_letter_passes_and_any_other_letter_fails(tmp_path_factory, key, named, template):
    tmp = tmp_path_factory.mktemp("q")
    explanation = template.format(L=string.ascii_uppercase[named])
    assert named_letters(explanation) == {named}
    stats = write(tmp, [{"type": "mcq", "prompt": "p", "choices": ["w", "x", "y", "z"], "answer": key,
                         "explanation": explanation}])
    assert bool(stats.errors) == (named != key)


def test_ordinary_prose_names_no_letters():
    assert named_letters("The answer a model gives depends on (batch) size; A100 and B200 differ.") == set()
