// The live page: polls the server's JSON API and draws with the DOM and SVG only (no build step).
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent.appendChild(element);
  return element;
}

async function refreshStatus() {
  const {status, body} = await getJson("/health/ready");
  const badge = document.getElementById("status");
  badge.textContent = status === 200 ? "ready" : "waiting for the first model";
  badge.className = "badge " + (status === 200 ? "ready" : "waiting");
  const serving = [["classifier", body.classifierVersion], ["segmenter", body.segmenterVersion]]
    .filter(([, version]) => version >= 0).map(([name, version]) => `${name} v${version}`);
  document.getElementById("serving").textContent = serving.length ? "serving " + serving.join(", ") : "";
}

function drawChart(scores, versions) {
  const chart = document.getElementById("chart");
  chart.replaceChildren();
  const classifier = versions.filter(v => v.name === "classifier" && v.evalMiou !== null && v.evalMiou !== undefined);
  const summary = document.getElementById("chart-summary");
  const [left, right, top, bottom] = [50, 880, 15, 230];
  svg("line", {x1: left, y1: bottom, x2: right, y2: bottom, class: "axis"}, chart);
  svg("line", {x1: left, y1: top, x2: left, y2: bottom, class: "axis"}, chart);
  chart.dataset.points = String(scores.length);
  if (scores.length === 0 && classifier.length === 0) {
    summary.textContent = "No scored version yet.";
    return;
  }
  const times = scores.map(s => s.publishedMs).concat(classifier.map(v => v.publishedMs));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const highest = Math.max(...scores.map(s => s.meanIou + s.standardError), ...classifier.map(v => v.evalMiou));
  const yMax = Math.max(0.1, Math.ceil(highest * 10) / 10);
  const x = t => left + (right - left) * (t - t0) / (t1 - t0);
  const y = m => bottom - (bottom - top) * Math.max(0, m) / yMax;
  for (let i = 0; i <= 4; i++) {
    const m = yMax * i / 4;
    svg("text", {x: 8, y: y(m) + 4}, chart).textContent = m.toFixed(3).replace(/0$/, ""); // 0.075, not 0.07
  }
  svg("text", {x: left, y: 252}, chart).textContent = new Date(t0).toLocaleTimeString();
  svg("text", {x: right - 60, y: 252}, chart).textContent = new Date(t1).toLocaleTimeString();
  if (scores.length > 0) {
    const upper = scores.map(s => `${x(s.publishedMs)},${y(s.meanIou + s.standardError)}`);
    const lower = scores.map(s => `${x(s.publishedMs)},${y(s.meanIou - s.standardError)}`).reverse();
    svg("polygon", {class: "band", points: upper.concat(lower).join(" ")}, chart);
    svg("polyline", {class: "line", points: scores.map(s => `${x(s.publishedMs)},${y(s.meanIou)}`).join(" ")}, chart);
    for (const s of scores) {
      const dot = svg("circle", {class: "point", cx: x(s.publishedMs), cy: y(s.meanIou), r: 4}, chart);
      svg("title", {}, dot).textContent = `segmenter v${s.version}, step ${s.trainingStep}: mIoU ${s.meanIou.toFixed(3)} `
        + `± ${s.standardError.toFixed(3)} on ${s.images} held-out images`;
    }
  }
  if (classifier.length > 0) {
    svg("polyline", {class: "line classifier", points: classifier.map(v => `${x(v.publishedMs)},${y(v.evalMiou)}`).join(" ")}, chart);
  }
  const parts = [];
  if (scores.length > 0) {
    const first = scores[0], last = scores[scores.length - 1];
    parts.push(`segmenter, ${scores.length} versions on ${last.images} held-out images: mIoU ${first.meanIou.toFixed(3)} `
      + `± ${first.standardError.toFixed(3)} (v${first.version}) → ${last.meanIou.toFixed(3)} ± ${last.standardError.toFixed(3)} (v${last.version})`);
  }
  if (classifier.length > 0) {
    const last = classifier[classifier.length - 1];
    parts.push(`classifier v${last.version}: ${last.evalMiou.toFixed(3)} on the trainer's held-out images`);
  }
  summary.textContent = parts.join("; ") + ".";
}

let shownTiles = "";

function drawHeldOut(body) {
  document.getElementById("heldout-count").textContent = body.images === 0 ? "none yet" : `${body.images} images`;
  document.getElementById("heldout-empty").hidden = body.tiles.length > 0;
  const key = body.tiles.map(tile => tile.id + "@" + tile.segmenterVersion).join("\n");
  if (key === shownTiles) return; // keep the decoded images until a new version re-predicts them
  shownTiles = key;
  const grid = document.getElementById("heldout");
  grid.dataset.version = String(Math.max(-1, ...body.tiles.map(tile => tile.segmenterVersion)));
  grid.replaceChildren(...body.tiles.map(tile => {
    const card = document.createElement("div");
    card.className = "card";
    const pictures = document.createElement("div");
    pictures.className = "pictures three";
    pictures.append(picture(tile.pictures.image, "image"), picture(tile.pictures.truth, "true mask"),
      picture(tile.pictures.prediction, `segmenter v${tile.segmenterVersion}`));
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `${tile.id}: mIoU ${score(tile.miou)} (segmenter v${tile.segmenterVersion})`;
    card.append(pictures, meta);
    return card;
  }));
}

function score(value) {
  return value === null || value === undefined ? "–" : value.toFixed(2);
}

let shownIds = "";

function drawRecent(body) {
  const legend = document.getElementById("legend");
  legend.replaceChildren(...Object.entries(body.colours).map(([name, colour]) => {
    const entry = document.createElement("span");
    entry.innerHTML = `<i style="background:${colour}"></i>`;
    entry.append(name);
    return entry;
  }));
  document.getElementById("recent-empty").hidden = body.items.length > 0;
  const ids = body.items.map(item => item.id).join("\n");
  if (ids === shownIds) return; // keep the decoded images
  shownIds = ids;
  document.getElementById("recent").replaceChildren(...body.items.map(item => {
    const card = document.createElement("div");
    card.className = "card";
    const pictures = document.createElement("div");
    pictures.className = "pictures";
    pictures.append(picture(item.pictures.image, "image"), picture(item.pictures.overlay, `mask (segmenter v${item.segmenterVersion})`),
      picture(item.pictures.heatmap, `CAM (classifier v${item.classifierVersion})`), picture(item.pictures.seeds, "seeds"));
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `${item.id}: ${item.labels.join(", ")} · seeds cover ${(100 * item.seedCoverage).toFixed(0)}% · `
      + `pseudo-label mIoU ${score(item.pseudoLabelMiou)} · prediction mIoU ${score(item.predictionMiou)}`;
    card.append(pictures, meta);
    return card;
  }));
}

async function refresh() {
  try {
    await refreshStatus();
    const heldOut = (await getJson("/v1/heldout")).body;
    drawChart(heldOut.scores, (await getJson("/v1/models")).body.versions);
    drawHeldOut(heldOut);
    drawRecent((await getJson("/v1/recent")).body);
  } catch (error) {
    document.getElementById("status").textContent = "server unreachable";
  }
}

refresh();
setInterval(refresh, 3000);
