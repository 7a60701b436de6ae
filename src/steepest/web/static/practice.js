// The Practice tab: an exercise, the answer read back as it is typed, the verdict and the
// diagnosis of a wrong answer, hints and the worked solution on request, then the next one.
// Progress is kept in this browser only (localStorage), never sent anywhere.
(function () {
  "use strict";

  var STORE = "steepest.practice.v1";
  var $ = function (id) { return document.getElementById(id); };
  var el = {
    tab: $("tab-practice"), mode: $("practice-mode"),
    otherTabs: [$("tab-functions"), $("tab-data")], otherModes: [$("functions-mode"), $("data-mode")],
    topic: $("practice-topic"), level: $("practice-level"), fresh: $("practice-new"),
    progress: $("practice-progress"), forget: $("practice-forget"),
    question: $("practice-question"), questionMath: $("practice-question-math"), answer: $("practice-answer"), preview: $("practice-preview"),
    check: $("practice-check"), hint: $("practice-hint"), show: $("practice-show"), next: $("practice-next"),
    error: $("practice-error"), feedback: $("practice-feedback"), verdict: $("practice-verdict"),
    message: $("practice-message"), mistake: $("practice-mistake"), where: $("practice-where"),
    counterexample: $("practice-counterexample"), hints: $("practice-hints"), solution: $("practice-solution")
  };
  var state = { exercise: null, hintsShown: 0, solved: false, revealed: false, previewTimer: null, previewGeneration: 0 };

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (error) {
      return {};
    }
  }

  function save(progress) {
    try {
      window.localStorage.setItem(STORE, JSON.stringify(progress));
    } catch (error) {
      // Storage refused (private window, quota): practice goes on without keeping progress.
    }
  }

  function progress() {
    var saved = load();
    saved.topics = saved.topics || {};
    saved.seed = typeof saved.seed === "number" ? saved.seed : Math.floor(Math.random() * 1e6);
    return saved;
  }

  function showProgress() {
    var saved = progress();
    var topic = saved.topics[el.topic.value] || { tried: 0, solved: 0 };
    var all = Object.keys(saved.topics).reduce(function (sum, name) {
      sum.tried += saved.topics[name].tried; sum.solved += saved.topics[name].solved; return sum;
    }, { tried: 0, solved: 0 });
    el.progress.textContent = el.topic.value
      ? "This topic: " + topic.solved + " solved of " + topic.tried + " tried. All topics: "
        + all.solved + " of " + all.tried + "."
      : "";
  }

  function record(solved) {
    var saved = progress();
    var topic = saved.topics[state.exercise.topic] || { tried: 0, solved: 0 };
    topic.tried += 1;
    if (solved) topic.solved += 1;
    saved.topics[state.exercise.topic] = topic;
    save(saved);
    showProgress();
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        throw new Error("the server answered " + response.status + " without JSON");
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || "the request failed with status " + response.status);
          error.column = data.column;
          throw error;
        }
        return data;
      });
    });
  }

  function fail(error) {
    el.error.textContent = error.message;
    el.error.hidden = false;
  }

  function clearFeedback() {
    el.error.hidden = true;
    el.feedback.hidden = true;
    el.feedback.className = "practice-feedback";
    [el.mistake, el.where, el.counterexample].forEach(function (node) { node.hidden = true; });
    el.solution.hidden = true;
    el.hints.textContent = "";
  }

  function newExercise(advance) {
    var saved = progress();
    if (advance) saved.seed += 1;
    save(saved);
    clearFeedback();
    el.question.textContent = "…";
    el.questionMath.textContent = "";
    // An answer typed while the next exercise loads would be wiped when it arrives.
    el.answer.disabled = true;
    document.body.dataset.practice = "loading";
    return post("/api/practice/exercise", {
      topic: el.topic.value, level: Number(el.level.value), seed: saved.seed
    }).then(function (exercise) {
      state.exercise = exercise;
      state.hintsShown = 0;
      state.solved = false;
      state.revealed = false;
      el.question.textContent = exercise.question;
      el.questionMath.innerHTML = exercise.question_mathml || "";
      el.answer.value = "";
      el.preview.textContent = "";
      el.solution.textContent = exercise.solution;
      showProgress();
    }).catch(fail).finally(function () {
      el.answer.disabled = false;
      el.answer.focus();
      document.body.dataset.practice = "ready";
    });
  }

  // The answer typeset as it is typed (POST /api/preview, the playground's one printer),
  // or the column where it stops reading.
  function preview() {
    var typed = el.answer.value;
    var text = typed.indexOf("=") >= 0 && typed.split("=").length === 2 ? typed.split("=")[1] : typed;
    var generation = ++state.previewGeneration;
    if (!text.trim()) { el.preview.textContent = ""; return; }
    post("/api/preview", { expression: text }).then(function (answer) {
      if (generation !== state.previewGeneration) return;
      el.preview.classList.remove("invalid");
      el.preview.innerHTML = answer.mathml;
    }).catch(function (error) {
      if (generation !== state.previewGeneration) return;
      el.preview.classList.add("invalid");
      el.preview.textContent = "";
      if (error.column) {
        var shown = document.createElement("code");
        shown.className = "where";
        var mark = document.createElement("mark");
        mark.textContent = text.charAt(error.column - 1) || " ";
        shown.appendChild(document.createTextNode(text.slice(0, error.column - 1)));
        shown.appendChild(mark);
        shown.appendChild(document.createTextNode(text.slice(error.column)));
        el.preview.appendChild(shown);
      }
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = error.message;
      el.preview.appendChild(why);
    });
  }

  function fmt(value) {
    return value === null || value === undefined ? "no real number" : Number(value).toPrecision(6).replace(/\.?0+$/, "");
  }

  function showFeedback(feedback) {
    el.feedback.hidden = false;
    el.feedback.className = "practice-feedback " + (feedback.correct ? "right" : "wrong");
    el.verdict.textContent = feedback.verdict.replace("-", ", ") + ":";
    el.message.textContent = feedback.message;
    el.mistake.hidden = !feedback.mistake;
    el.mistake.textContent = feedback.mistake ? "Mistake: " + feedback.mistakes.join(", then ") : "";
    el.where.hidden = !feedback.step;
    el.where.textContent = feedback.step ? "The answers part at the step " + feedback.step : "";
    var example = feedback.counterexample;
    var shown = example && feedback.message.indexOf("your answer is") < 0;
    el.counterexample.hidden = !shown;
    if (shown) {
      var where = Object.keys(example.at).map(function (name) { return name + " = " + fmt(example.at[name]); });
      el.counterexample.textContent = "At " + where.join(", ") + " your answer gives " + fmt(example.answer)
        + ", the right one " + fmt(example.expected) + ".";
    }
  }

  function check() {
    if (!state.exercise) return;
    var answer = el.answer.value;
    if (!answer.trim()) { fail(new Error("type an answer first")); return; }
    el.error.hidden = true;
    document.body.dataset.practice = "checking";
    post("/api/practice/check", { question: state.exercise.question, answer: answer }).then(function (feedback) {
      showFeedback(feedback);
      if (feedback.verdict === "unreadable" || state.solved) return;
      if (feedback.correct) {
        state.solved = true;
        record(!state.revealed);
      }
    }).catch(fail).finally(function () { document.body.dataset.practice = "ready"; });
  }

  function hint() {
    if (!state.exercise) return;
    if (state.hintsShown >= state.exercise.hints.length) {
      fail(new Error("no more hints: the worked solution shows every step"));
      return;
    }
    var item = document.createElement("li");
    item.textContent = state.exercise.hints[state.hintsShown];
    el.hints.appendChild(item);
    state.hintsShown += 1;
  }

  function show() {
    if (!state.exercise) return;
    el.solution.hidden = false;
    if (!state.solved && !state.revealed) {
      state.revealed = true;
      record(false);
    }
  }

  function select(practice) {
    el.mode.hidden = !practice;
    el.tab.setAttribute("aria-selected", String(practice));
    if (practice) {
      el.otherModes.forEach(function (node) { node.hidden = true; });
      el.otherTabs.forEach(function (node) { node.setAttribute("aria-selected", "false"); });
      if (!state.exercise && el.topic.value) newExercise(false);
    }
  }

  function start() {
    el.tab.addEventListener("click", function () { select(true); });
    el.otherTabs.forEach(function (node) { node.addEventListener("click", function () { select(false); }); });
    el.fresh.addEventListener("click", function () { newExercise(true); });
    el.next.addEventListener("click", function () { newExercise(true); });
    el.topic.addEventListener("change", function () { newExercise(false); });
    el.level.addEventListener("change", function () { newExercise(false); });
    el.check.addEventListener("click", check);
    el.hint.addEventListener("click", hint);
    el.show.addEventListener("click", show);
    el.forget.addEventListener("click", function () {
      window.localStorage.removeItem(STORE);
      showProgress();
    });
    el.answer.addEventListener("input", function () {
      window.clearTimeout(state.previewTimer);
      state.previewTimer = window.setTimeout(preview, 250);
    });
    el.answer.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); check(); }
    });
    fetch("/api/practice/topics").then(function (response) { return response.json(); }).then(function (answer) {
      answer.topics.forEach(function (topic) {
        var option = document.createElement("option");
        option.value = topic;
        option.textContent = topic;
        el.topic.appendChild(option);
      });
      showProgress();
      el.mode.dataset.ready = "true";
    }).catch(fail);
  }

  start();
})();
