// Build step of the front-end: uses a devDependency, writes an asset.
const fs = require("fs");
const isNumber = require("is-number");
fs.mkdirSync("assets", { recursive: true });
fs.writeFileSync("assets/app.txt", `assets built with Node.js ${process.version}, isNumber(42)=${isNumber(42)}\n`);
