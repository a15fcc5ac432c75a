// What both pages share: JSON from the server's API and pictures the browser checks can count.
"use strict";

async function getJson(path) {
  const response = await fetch(path, {cache: "no-store"});
  return {status: response.status, body: await response.json()};
}

function picture(src, caption) {
  const figure = document.createElement("figure");
  const image = document.createElement("img");
  image.alt = caption;
  // The browser check reads these: an image counts as rendered once it decoded with a size.
  image.onload = () => { image.dataset.loaded = image.naturalWidth > 0 ? "true" : "empty"; };
  image.onerror = () => { image.dataset.loaded = "error"; };
  image.src = src;
  const text = document.createElement("figcaption");
  text.textContent = caption;
  figure.append(image, text);
  return figure;
}
