const express = require("express");

const app = express();
const port = process.env.PORT || 5000;

app.get("/", (req, res) => {
  res.type("text/plain").send(`Hello from kiln! Node.js ${process.version}, NODE_ENV=${process.env.NODE_ENV}, WEB_CONCURRENCY=${process.env.WEB_CONCURRENCY}\n`);
});

const server = app.listen(port, () => {
  console.log(`listening on http://localhost:${port}`);
});

process.on("SIGTERM", () => {
  console.log("SIGTERM received, closing");
  server.close(() => process.exit(0));
});
