// What both pages share: JSON from the server's API and pictures the browser checks can count.
"use strict";

// The server's access token is asked for once: from the address the server printed (?token=, taken
// out of the address bar at once) or, when a request is refused for want of it, in a prompt. The
// server answers with a session cookie, which every later request, the pictures' included, carries.
async function signIn(token) {
  const response = await fetch("/v1/session", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({token}),
  });
  return response.status === 204;
}

const signedIn = (async () => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (!token) {
    return;
  }
  params.delete("token");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  await signIn(token);
})();

let asking = null;
function askForToken() { // one prompt for all the requests refused at the same moment
  if (!asking) {
    asking = (async () => {
      const token = window.prompt("This server needs its access token (server.tokenFile, SEEDSTREAM_SERVER_TOKEN, or printed at its start):");
      const accepted = token ? await signIn(token.trim()) : false;
      asking = null;
      return accepted;
    })();
  }
  return asking;
}

// fetch, signed in: a request refused for want of the token is sent again once the token is given.
async function api(path, options = {}) {
  await signedIn;
  const response = await fetch(path, {cache: "no-store", ...options});
  // 403: a cookie for another token (rotated, or the demo started afresh): ask again as for none.
  if ((response.status === 401 || response.status === 403) && await askForToken()) {
    return fetch(path, {cache: "no-store", ...options});
  }
  return response;
}

async function getJson(path) {
  const response = await api(path);
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
