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
  badge.textContent = status === 200 ? "ready" : "waiting for a model";
  badge.className = "badge " + (status === 200 ? "ready" : "waiting");
  document.getElementById("serving").textContent =
    `serving classifier v${body.classifierVersion}, segmenter v${body.segmenterVersion}`;
}

function drawChart(versions) {
  const chart = document.getElementById("chart");
  chart.replaceChildren();
  const points = versions.filter(v => v.name === "segmenter" && v.evalMiou !== null && v.evalMiou !== undefined);
  const summary = document.getElementById("chart-summary");
  const [left, right, top, bottom] = [50, 880, 15, 230];
  svg("line", {x1: left, y1: bottom, x2: right, y2: bottom, class: "axis"}, chart);
  svg("line", {x1: left, y1: top, x2: left, y2: bottom, class: "axis"}, chart);
  if (points.length === 0) {
    summary.textContent = "No scored segmenter version yet.";
    chart.dataset.points = "0";
    return;
  }
  const t0 = points[0].publishedMs;
  const t1 = Math.max(points[points.length - 1].publishedMs, t0 + 1);
  const yMax = Math.max(0.1, Math.ceil(Math.max(...points.map(p => p.evalMiou)) * 10) / 10);
  const x = t => left + (right - left) * (t - t0) / (t1 - t0);
  const y = m => bottom - (bottom - top) * m / yMax;
  for (let i = 0; i <= 4; i++) {
    const m = yMax * i / 4;
    svg("text", {x: 8, y: y(m) + 4}, chart).textContent = m.toFixed(2);
  }
  svg("text", {x: left, y: 252}, chart).textContent = new Date(t0).toLocaleTimeString();
  svg("text", {x: right - 60, y: 252}, chart).textContent = new Date(t1).toLocaleTimeString();
  svg("polyline", {class: "line", points: points.map(p => `${x(p.publishedMs)},${y(p.evalMiou)}`).join(" ")}, chart);
  for (const p of points) {
    const dot = svg("circle", {class: "point", cx: x(p.publishedMs), cy: y(p.evalMiou), r: 4}, chart);
    svg("title", {}, dot).textContent = `v${p.version}, step ${p.trainingStep}: mIoU ${p.evalMiou.toFixed(3)}`;
  }
  const first = points[0], last = points[points.length - 1];
  summary.textContent = `${points.length} scored versions: mIoU ${first.evalMiou.toFixed(3)} (v${first.version}) → `
    + `${last.evalMiou.toFixed(3)} (v${last.version}).`;
  chart.dataset.points = String(points.length);
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
    drawChart((await getJson("/v1/models")).body.versions);
    drawRecent((await getJson("/v1/recent")).body);
  } catch (error) {
    document.getElementById("status").textContent = "server unreachable";
  }
}

refresh();
setInterval(refresh, 3000);
