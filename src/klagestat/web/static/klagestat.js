// klagestat: small enhancements only; every page works without this file.
"use strict";

// ---- sortable tables: a button in each column heading of a table.sortable ----------------------
// A cell sorts by its data-sort value when it has one (numbers as numbers), else by its text in
// Danish order; cells without a figure (data-sort="") go last either way.

function sortValue(cell) {
  if (!cell) return "";
  return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
}

function compareValues(a, b, ascending) {
  if (a === "" || b === "") return a === b ? 0 : (a === "" ? 1 : -1);
  const x = Number(a), y = Number(b);
  const order = !isNaN(x) && !isNaN(y) ? x - y : a.localeCompare(b, "da");
  return ascending ? order : -order;
}

function makeSortable(table) {
  const body = table.tBodies[0];
  if (!body || !table.tHead) return;
  const headings = Array.from(table.tHead.rows[table.tHead.rows.length - 1].cells);
  headings.forEach((heading, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (heading.firstChild) button.appendChild(heading.firstChild);
    heading.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = heading.getAttribute("aria-sort") !== "ascending";
      headings.forEach((other) => other.removeAttribute("aria-sort"));
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const rows = Array.from(body.rows);
      rows.sort((a, b) => compareValues(sortValue(a.cells[column]), sortValue(b.cells[column]), ascending));
      rows.forEach((row) => body.appendChild(row));
    });
  });
}

// ---- the map: a tip with the municipality's name, rate and cases on hover and on focus ---------
// The browser shows a <title> on hover only; keyboard users get nothing from it. So the tip is
// shown for both, and the <title>s go (two tips would show at once); each link keeps its
// aria-label, which is what a screen reader reads.

function mapTips(svg) {
  const frame = svg.parentNode;
  const tip = document.createElement("div");
  tip.className = "map-tip";
  tip.hidden = true;
  tip.setAttribute("aria-hidden", "true");
  frame.appendChild(tip);
  const hide = () => { tip.hidden = true; };
  svg.querySelectorAll("a").forEach((link) => {
    const title = link.querySelector("title");
    if (title) title.remove();
    const show = () => {
      tip.textContent = link.getAttribute("aria-label");
      tip.hidden = false;
      const outer = frame.getBoundingClientRect();
      const box = link.getBoundingClientRect();
      tip.style.left = (box.left - outer.left + box.width / 2) + "px";
      tip.style.top = (box.top - outer.top) + "px";
    };
    link.addEventListener("mouseenter", show);
    link.addEventListener("focus", show);
    link.addEventListener("mouseleave", hide);
    link.addEventListener("blur", hide);
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });
}

document.querySelectorAll("table.sortable").forEach(makeSortable);
document.querySelectorAll("svg.web-map").forEach(mapTips);
