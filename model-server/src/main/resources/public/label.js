// The labeling page: the queue of label requests; each answer is posted to /v1/labels.
"use strict";

/** Cards by image id; a card stays while its request is pending or after it was sent, so input is never redrawn away. */
const cards = new Map();

function message(card, text, kind) {
  const line = card.querySelector(".message");
  line.textContent = text;
  line.className = "message " + kind;
}

function classChoices(classes, guessed) {
  const fieldset = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = "Classes present";
  fieldset.append(legend);
  for (const name of classes) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "classes";
    box.value = name;
    label.append(box, " " + name);
    if (guessed.includes(name)) {
      label.className = "guess";
      label.title = "the models guess this class is in the image";
    }
    fieldset.append(label);
  }
  return fieldset;
}

function requestCard(item, classes) {
  const card = document.createElement("div");
  card.className = "card request";
  card.dataset.id = item.id;
  const pictures = document.createElement("div");
  pictures.className = "pictures two";
  pictures.append(picture(item.pictures.image, item.id),
    picture(item.pictures.overlay, `localization of the guess (classifier v${item.modelVersion})`));
  const meta = document.createElement("div");
  meta.className = "meta";
  const guess = item.guessedClasses.length ? item.guessedClasses.join(", ") : "nothing";
  meta.textContent = `Models guess: ${guess}. Asked because ${item.reason}.`;
  if (item.details) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "the numbers";
    details.append(summary, item.details);
    meta.append(" ", details);
  }

  const form = document.createElement("form");
  form.append(classChoices(classes, item.guessedClasses));
  const id = document.createElement("input");
  id.type = "hidden";
  id.name = "id";
  id.value = item.id;
  const maskLabel = document.createElement("label");
  maskLabel.className = "mask";
  const mask = document.createElement("input");
  mask.type = "file";
  mask.name = "mask";
  mask.accept = "image/png";
  maskLabel.append("Mask (optional): ", mask);
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = "Send labels";
  const line = document.createElement("p");
  line.className = "message";
  line.setAttribute("role", "status");
  form.append(id, maskLabel, send, line);
  form.addEventListener("submit", event => {
    event.preventDefault();
    submit(card, form, send);
  });
  card.append(pictures, meta, form);
  return card;
}

async function submit(card, form, send) {
  send.disabled = true;
  card.dataset.state = "sending";
  message(card, "Sending…", "pending");
  try {
    const response = await api("/v1/labels", {method: "POST", body: new FormData(form)});
    const body = await response.json();
    if (response.status === 201) {
      card.dataset.state = "sent";
      message(card, `Sent: ${body.labels.join(", ")}${body.mask ? " with a mask" : ""} (${body.topic}, offset ${body.offset}).`, "done");
      form.querySelectorAll("input, button").forEach(input => { input.disabled = true; });
      return;
    }
    message(card, body.error, "error");
  } catch (error) {
    message(card, "The server did not answer; nothing was saved. Try again.", "error");
  }
  card.dataset.state = "";
  send.disabled = false;
}

/** Brings a card shown earlier up to date without touching what the person entered. */
function update(card, item, classes) {
  const choices = card.querySelector("fieldset");
  if (!choices.querySelector("input") && classes.length) { // it came before the first classifier
    choices.replaceWith(classChoices(classes, item.guessedClasses));
  }
  for (const image of card.querySelectorAll("img[data-loaded='error']")) { // e.g. no classifier for the overlay yet
    delete image.dataset.loaded;
    image.src = image.src.replace(/[?].*$/, "") + "?retry=" + Date.now();
  }
}

function draw(body) {
  const queue = document.getElementById("queue");
  const pending = new Set(body.items.map(item => item.id));
  for (const [id, shown] of cards) {
    if (!pending.has(id) && !shown.dataset.state) {
      shown.remove();
      cards.delete(id);
    }
  }
  for (const item of body.items) {
    if (cards.has(item.id)) {
      update(cards.get(item.id), item, body.classes);
    } else {
      cards.set(item.id, requestCard(item, body.classes));
    }
  }
  // The queue's order; cards are moved only when it changed, so a card being filled in keeps its focus.
  const order = body.items.map(item => cards.get(item.id));
  const shown = [...queue.children].filter(child => pending.has(child.dataset.id));
  if (order.length !== shown.length || order.some((card, i) => card !== shown[i])) {
    order.forEach(card => queue.append(card));
  }
  const summary = [`${body.items.length} ${body.items.length === 1 ? "request" : "requests"} waiting`];
  if (body.withoutImage > 0) summary.push(`${body.withoutImage} more whose images this server does not have`);
  if (body.answeredByOracle > 0) {
    summary.push(`the demo's oracle is answering the requests (${body.answeredByOracle} answered so far, from the data set's `
      + "truth); start the demo with --labeler people to answer them here");
  }
  if (body.waitingForTopic) summary.push(`waiting for topic ${body.waitingForTopic}`);
  if (body.feedProblem) summary.push(`cannot read Kafka: ${body.feedProblem}`);
  if (body.classes.length === 0) summary.push("no classifier in service yet: answers can be sent once one is");
  document.getElementById("queue-summary").textContent = summary.join(" · ");
  document.getElementById("queue-empty").hidden = cards.size > 0;
  const badge = document.getElementById("status");
  badge.textContent = `${body.items.length} to label`;
  badge.className = "badge " + (body.items.length ? "waiting" : "ready");
}

async function refresh() {
  try {
    draw((await getJson("/v1/label-requests")).body);
  } catch (error) {
    document.getElementById("status").textContent = "server unreachable";
  }
}

refresh();
setInterval(refresh, 3000);
