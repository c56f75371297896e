// Training compliance chart for the local web page: shown when the picked person is the
// Headteacher or the DSL (the server checks the role too and refuses anyone else with 403).
// A plain SVG bar chart built with DOM calls; every text goes in through textContent.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const OVERSEER_ROLES = ["headteacher", "dsl", "deputy_dsl"];
  const ITEMS = [
    ["training", "Safeguarding training"],
    ["policy", "Policy acknowledgement"],
    ["dsl", "DSL role training"],
  ];
  const STATES = [
    ["ok", "Up to date"],
    ["due_soon", "Due within 30 days"],
    ["overdue", "Overdue"],
    ["no_record", "No record"],
  ];
  const WIDTH = 240, BAR = 18, ROW = 60;

  const personSelect = document.getElementById("person");
  const details = document.getElementById("person-details");
  const picker = document.querySelector(".picker");
  if (!personSelect || !details || !picker) return;

  const roles = new Map();  // person id -> roles
  let shownFor = null;
  let requested = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  }

  const section = el("section", "chart");
  section.id = "training-chart";
  section.hidden = true;
  section.setAttribute("aria-labelledby", "chart-heading");
  const heading = el("h2", "chart__heading", "Training compliance");
  heading.id = "chart-heading";
  const asOf = el("p", "chart__as-of");
  const figure = el("div", "chart__figure");
  section.append(heading, asOf, figure);
  picker.appendChild(section);

  function legend() {
    const list = el("ul", "chart__legend");
    for (const [state, label] of STATES) {
      const item = el("li");
      item.appendChild(el("span", "chart__swatch chart__swatch--" + state));
      item.appendChild(document.createTextNode(label));
      list.appendChild(item);
    }
    return list;
  }

  function render(summary) {
    figure.textContent = "";
    asOf.textContent = "As of " + summary.as_of + " · " + summary.people + " people";
    const items = ITEMS.filter(([key]) => summary.items[key] && summary.items[key].people > 0);
    const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + (items.length * ROW), role: "img",
                               class: "chart__svg", "aria-labelledby": "chart-heading chart-summary" });
    const summaryLines = [];
    items.forEach(([key, label], index) => {
      const figures = summary.items[key];
      const top = index * ROW;
      const title = svg("text", { x: 0, y: top + 13, class: "chart__label" });
      title.textContent = label;
      const percent = svg("text", { x: WIDTH, y: top + 13, class: "chart__percent", "text-anchor": "end" });
      percent.textContent = Math.round(figures.percent_compliant) + "%";
      chart.append(title, percent);
      let x = 0;
      for (const [state, stateLabel] of STATES) {
        const count = figures[state] || 0;
        if (!count) continue;
        const width = WIDTH * count / figures.people;
        const segment = svg("rect", { x: x, y: top + 20, width: width, height: BAR,
                                      class: "chart__segment chart__segment--" + state });
        segment.dataset.state = state;
        segment.dataset.count = count;
        const tip = svg("title");
        tip.textContent = label + ": " + stateLabel.toLowerCase() + " " + count;
        segment.appendChild(tip);
        chart.appendChild(segment);
        x += width;
      }
      const caption = svg("text", { x: 0, y: top + 50, class: "chart__caption" });
      caption.textContent = figures.compliant + " of " + figures.people + " compliant";
      chart.appendChild(caption);
      summaryLines.push(label + ": " + figures.compliant + " of " + figures.people + " compliant (" +
                        figures.percent_compliant + "%), " + figures.overdue + " overdue, " +
                        figures.no_record + " with no record.");
    });
    const described = el("p", "visually-hidden", summaryLines.join(" "));
    described.id = "chart-summary";
    figure.append(chart, described, legend());
    const overdue = (summary.overdue || []).length;
    figure.appendChild(el("p", "chart__note", overdue
      ? overdue + " overdue item(s). Type \u201ctraining report\u201d for the names."
      : "Nobody is overdue."));
  }

  async function update() {
    const id = personSelect.value;
    const ticket = ++requested;
    if (!id || !(roles.get(id) || []).some((role) => OVERSEER_ROLES.includes(role))) {
      section.hidden = true;
      shownFor = null;
      return;
    }
    try {
      const response = await fetch("/local/training-chart?person=" + encodeURIComponent(id));
      if (ticket !== requested) return;  // another person was picked meanwhile
      if (!response.ok) {
        section.hidden = true;
        return;
      }
      render(await response.json());
      section.hidden = false;
      shownFor = id;
    } catch (error) {
      section.hidden = true;
    }
  }

  async function start() {
    try {
      const response = await fetch("/local/people");
      const data = await response.json();
      for (const person of data.people || []) roles.set(person.id, person.roles || []);
    } catch (error) {
      return;  // the chat itself reports a roster that cannot be loaded
    }
    // The chat script fills the person's details whenever someone is picked: follow that.
    new MutationObserver(update).observe(details, { childList: true });
    personSelect.addEventListener("change", update);
    update();
  }

  start();
})();
