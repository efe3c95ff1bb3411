// Self-check quizzes (see quiz.lua): immediate feedback, all in the page, nothing stored remotely.
(function () {
  function reveal(question, correct, message) {
    var feedback = question.querySelector(".quiz-feedback");
    feedback.hidden = false;
    feedback.textContent = message;
    feedback.className = "quiz-feedback " + (correct ? "is-correct" : "is-incorrect");
    question.querySelector(".quiz-explanation").hidden = false;
    question.classList.add("is-answered");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".quiz-choice, .quiz-check, .quiz-reveal");
    if (!button) return;
    var question = button.closest(".quiz-question");
    if (button.classList.contains("quiz-choice")) {
      var answer = Number(question.dataset.answer);
      var picked = Number(button.dataset.index);
      question.querySelectorAll(".quiz-choice").forEach(function (choice) {
        choice.classList.remove("is-picked", "is-correct", "is-incorrect");
      });
      button.classList.add("is-picked", picked === answer ? "is-correct" : "is-incorrect");
      var right = question.querySelectorAll(".quiz-choice")[answer];
      right.classList.add("is-correct");
      question.querySelectorAll(".quiz-choice").forEach(function (choice) {
        choice.setAttribute("aria-pressed", choice === button ? "true" : "false");
      });
      // The answer is named in words too, not only by the green outline (colour alone misses some readers).
      reveal(question, picked === answer,
        picked === answer ? "Correct." : "Not quite: the answer is \u201c" + right.textContent.trim() + "\u201d.");
    } else if (button.classList.contains("quiz-check")) {
      var input = question.querySelector(".quiz-input");
      var value = parseFloat(input.value);
      var expected = Number(question.dataset.answer);
      var tolerance = Number(question.dataset.tolerance);
      if (isNaN(value)) {
        reveal(question, false, "Enter a number first.");
        question.querySelector(".quiz-explanation").hidden = true;
        return;
      }
      var ok = Math.abs(value - expected) <= Math.abs(expected) * tolerance + 1e-12;
      reveal(question, ok, ok ? "Correct (within " + Math.round(tolerance * 100) + "%)."
        : "Not quite: the expected answer is " + expected + " " +
          (question.querySelector(".quiz-unit").textContent || "") + ".");
    } else {
      question.querySelector(".quiz-answer").hidden = false;
      reveal(question, true, "Compare your answer with the model answer below.");
    }
  });
})();
