import express from "express";

const app = express();
const port = Number(process.env.PORT || 5000);

app.get("/", (_req, res) => {
  res.type("text/plain").send(`Hello from the kiln benchmark app, Node.js ${process.version}\n`);
});

app.listen(port, () => console.log(`listening on ${port}`));
