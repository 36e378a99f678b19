// Run service/static/reveal.js on cases read from stdin: [{spec, answers}] -> [[hidden paths]].
"use strict";
const reveal = require(process.argv[2]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cases = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map((c) => reveal.hiddenPaths(c.spec, c.answers))));
});
