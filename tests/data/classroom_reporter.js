// What GitHub Classroom's `classroom-resources/autograding-grading-reporter@v1` does with the runners' results,
// restated for the tests (the action is not published to a package registry, so it cannot be installed here).
// Written from its public source, src/main.js and src/notify-classroom.js: the `runners` input (INPUT_RUNNERS,
// as @actions/core reads it) is split on commas and whitespace; each runner's result is read from the environment
// variable <RUNNER upper-cased>_RESULTS, base64-decoded and parsed as JSON (any failure fails the step); runners
// whose max_score is falsy are left out of the totals; the points are the sum of tests[].score, the maximum the
// sum of max_score; two notices are printed; the step fails when a runner's status is "fail" or "error".
"use strict";

function notice(title, message) {
  const escaped = String(message).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  process.stdout.write(`::notice title=${title}::${escaped}\n`);
}

function fail(message) {
  process.stdout.write(`::error::${message}\n`);
  process.exitCode = 1;
}

try {
  const runners = (process.env.INPUT_RUNNERS || "").split(/[\s,]/).filter(Boolean).map((runner) => {
    const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
    const json = Buffer.from(encoded, "base64").toString("utf-8");
    return { runner, results: JSON.parse(json) };
  });
  let totalPoints = 0;
  let maxPoints = 0;
  for (const { results } of runners) {
    if (!results.max_score) continue;
    maxPoints += results.max_score;
    results.tests.forEach(({ score }) => { totalPoints += score; });
  }
  if (maxPoints) {
    notice("Autograding complete", `Points ${totalPoints}/${maxPoints}`);
    notice("Autograding report", JSON.stringify({ totalPoints, maxPoints }));
  }
  if (runners.some((r) => r.results.status === "fail")) {
    fail("Some tests failed.");
  } else if (runners.some((r) => r.results.status === "error")) {
    fail("Some tests errored.");
  }
} catch (error) {
  fail(error.message);
}
