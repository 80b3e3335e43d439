// DOM helpers. Every value from the API reaches the page as text (textContent / attributes), never as markup.

/** Creates an element; `attrs` are set with setAttribute (or as properties for `hidden`, `disabled`), children are nodes or text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'hidden' || name === 'disabled') node[name] = true;
    else node.setAttribute(name, String(value));
  }
  for (const child of children) append(node, child);
  return node;
}

function append(node, child) {
  if (child === null || child === undefined) return;
  node.append(child instanceof Node ? child : document.createTextNode(String(child)));
}

/** Removes every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Replaces the children of `node` with `children`. */
export function fill(node, ...children) {
  clear(node);
  for (const child of children) append(node, child);
}

/** `seconds` as h:mm:ss or m:ss. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = n => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** An ISO-8601 time in the operator's locale, or a dash. */
export function formatTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** Bytes as B / KiB / MiB / GiB. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

/** A definition list's content from [term, value] pairs. */
export function fillStats(dl, pairs) {
  clear(dl);
  for (const [term, value] of pairs) dl.append(el('dt', {}, term), el('dd', {}, value));
}
