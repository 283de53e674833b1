/**
 * The web chat at GET /: one self-contained page (no CDN, works offline, same bytes on Node and Workers).
 * It streams each turn from POST /v1/chat (fetch + ReadableStream reading server-sent events), keeps the
 * state token the server returns, shows recommendation cards, and offers a question's options as buttons.
 * Every server-provided string is put on the page with textContent, never as HTML.
 */

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330}
header{display:flex;align-items:center;justify-content:space-between;padding:.8rem 1.2rem;background:#1d2330;color:#fff}
header h1{font-size:1.05rem;margin:0;font-weight:600}
header a,header button{color:#cfd6e4;font:inherit;background:none;border:1px solid #4a5366;border-radius:6px;padding:.25rem .7rem;cursor:pointer;text-decoration:none}
main{max-width:56rem;margin:0 auto;padding:1rem 1rem 7rem}
.msg{margin:.8rem 0;display:flex}
.msg.user{justify-content:flex-end}
.bubble{max-width:44rem;padding:.6rem .9rem;border-radius:12px;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);white-space:pre-wrap}
.user .bubble{background:#2f6fed;color:#fff}
.turn{margin:.8rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(11.5rem,1fr));gap:.6rem;margin:.6rem 0}
.card{background:#fff;border-radius:10px;padding:.6rem .75rem;box-shadow:0 1px 2px rgba(0,0,0,.08);border-top:3px solid #2f6fed}
.card h3{font-size:.95rem;margin:0 0 .25rem}
.card .year{color:#667085;font-weight:400}
.chips{display:flex;flex-wrap:wrap;gap:.25rem;margin:.2rem 0}
.chip{font-size:.72rem;background:#eef2fb;color:#2a4a8a;border-radius:999px;padding:.05rem .5rem}
.reasons{font-size:.78rem;color:#667085;margin:.25rem 0 0}
.options{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0}
.option{font:inherit;border:1px solid #2f6fed;color:#2f6fed;background:#fff;border-radius:999px;padding:.3rem .9rem;cursor:pointer}
.option:hover:not(:disabled){background:#2f6fed;color:#fff}
.option:disabled{opacity:.45;cursor:default}
.option.chosen{background:#2f6fed;color:#fff;opacity:1}
.note{font-size:.75rem;color:#8a6d00;background:#fff8e1;border-radius:6px;padding:.25rem .5rem;margin:.3rem 0;display:inline-block}
.meta{font-size:.72rem;color:#98a2b3}
.error{color:#b42318;background:#fef3f2}
form{position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:1px solid #e4e7ec;padding:.8rem}
form div{max-width:56rem;margin:0 auto;display:flex;gap:.5rem}
input{flex:1;font:inherit;padding:.6rem .8rem;border:1px solid #d0d5dd;border-radius:8px}
form button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:8px;background:#2f6fed;color:#fff;cursor:pointer}
form button:disabled{opacity:.5}
`;

const SCRIPT = `
"use strict";
var chat = { token: undefined, messages: [] };
var log = document.getElementById("log");
var form = document.getElementById("ask");
var input = document.getElementById("message");
var sendButton = form.querySelector("button");

function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
function userMessage(text) {
  var row = el("div", "msg user");
  row.appendChild(el("div", "bubble", text));
  log.appendChild(row);
}
function busy(on) {
  input.disabled = on;
  sendButton.disabled = on;
  if (!on) input.focus();
}
function card(item) {
  var c = el("article", "card");
  var h = el("h3", "", item.title + " ");
  if (item.year !== undefined) h.appendChild(el("span", "year", "(" + item.year + ")"));
  c.appendChild(h);
  var chips = el("div", "chips");
  item.genres.forEach(function (g) { chips.appendChild(el("span", "chip", g)); });
  c.appendChild(chips);
  if (item.reasons.length) c.appendChild(el("p", "reasons", "Because you liked " + item.reasons.join(", ")));
  return c;
}
function options(turn, question) {
  var box = el("div", "options");
  question.options.forEach(function (o) {
    var b = el("button", "option", o);
    b.type = "button";
    b.addEventListener("click", function () {
      if (input.disabled) return;
      box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
      b.classList.add("chosen");
      send(o);
    });
    box.appendChild(b);
  });
  turn.appendChild(box);
}
async function* events(body) {
  var reader = body.pipeThrough(new TextDecoderStream()).getReader();
  var buffer = "";
  for (;;) {
    var next = await reader.read();
    if (next.done) return;
    buffer += next.value;
    var end;
    while ((end = buffer.indexOf("\\n\\n")) >= 0) {
      var block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      var name = "message", data = [];
      block.split("\\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) name = line.slice(7);
        else if (line.indexOf("data: ") === 0) data.push(line.slice(6));
      });
      yield { name: name, data: JSON.parse(data.join("\\n")) };
    }
  }
}
async function send(text) {
  text = text.trim();
  if (!text) return;
  userMessage(text);
  chat.messages.push({ role: "user", content: text });
  busy(true);
  var turn = el("section", "turn");
  var bubble = el("div", "bubble", "");
  var row = el("div", "msg");
  row.appendChild(bubble);
  turn.appendChild(row);
  log.appendChild(turn);
  var reply = "";
  try {
    var res = await fetch("/v1/chat", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ messages: chat.messages.slice(-20), state: chat.token }),
    });
    if (!res.ok) {
      var problem = await res.json().catch(function () { return { message: res.status + " " + res.statusText }; });
      // A state the server refuses (another key, another version) cannot be repaired: start afresh.
      if (res.status === 400 && /state/.test(problem.message)) chat.token = undefined;
      chat.messages.pop();
      bubble.classList.add("error");
      bubble.textContent = problem.message;
      return;
    }
    for await (var e of events(res.body)) {
      if (e.name === "recommendations") {
        var cards = el("div", "cards");
        e.data.recommendations.forEach(function (item) { cards.appendChild(card(item)); });
        turn.appendChild(cards);
        if (e.data.question) options(turn, e.data.question);
      } else if (e.name === "delta") {
        reply += e.data.text;
        bubble.textContent = reply;
      } else if (e.name === "error") {
        turn.insertBefore(el("div", "note", e.data.stage + " failed (" + e.data.reason + "); answered without it"), row.nextSibling);
      } else if (e.name === "state") {
        chat.token = e.data.state;
        turn.appendChild(el("div", "meta", "parser: " + e.data.parser + " \\u00b7 reply: " + e.data.writer));
      }
    }
    chat.messages.push({ role: "assistant", content: reply || "(no reply)" });
  } catch (err) {
    bubble.classList.add("error");
    bubble.textContent = "Could not reach the server: " + err.message;
  } finally {
    busy(false);
    turn.scrollIntoView({ block: "end" });
  }
}
form.addEventListener("submit", function (event) {
  event.preventDefault();
  var text = input.value;
  input.value = "";
  send(text);
});
document.getElementById("restart").addEventListener("click", function () {
  chat = { token: undefined, messages: [] };
  log.replaceChildren();
  input.focus();
});
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>recagent chat</title><style>${STYLE}</style></head>
<body><header><h1>recagent &middot; what should I watch?</h1><nav><button id="restart" type="button">New conversation</button> <a href="/docs">API</a></nav></header>
<main id="log" aria-live="polite"></main>
<form id="ask"><div><input id="message" autocomplete="off" placeholder="e.g. something like Toy Story, but from the 90s and no horror" maxlength="2000" autofocus>
<button type="submit">Send</button></div></form>
<script>${SCRIPT}</script></body></html>`;

export const chatPage = (): string => PAGE;
