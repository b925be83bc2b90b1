// The page's small DOM helpers: element lookup, element creation, and the messages area.
export const $ = (id) => document.getElementById(id);

/** Creates an element with attributes, properties (`on…` handlers, `text`) and children. */
export function h(tag, props = {}, ...children) {
  const svg = ["svg", "rect", "text", "title", "line", "g"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function say(kind, text) {
  const close = h("button", { type: "button", class: "small", text: "Dismiss" });
  const item = h(
    "div",
    { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", { text }),
    close,
  );
  close.addEventListener("click", () => item.remove());
  $("messages").prepend(item);
  if (kind !== "error") setTimeout(() => item.remove(), 15000);
}

/** The API's own words for a refusal: `<code>: <message>`. */
