// Policy Bot local web chat: pick a roster person, send messages, render replies as HTML.
// Every piece of text goes into the page through textContent, never innerHTML, so nothing a
// message contains can become markup.
"use strict";

(function () {
  const personSelect = document.getElementById("person");
  const personDetails = document.getElementById("person-details");
  const log = document.getElementById("log");
  const emptyState = document.getElementById("empty-state");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");
  const attach = document.getElementById("attach");

  // Roles as people say them (the roster's ids, such as deputy_dsl, are not for display).
  const ROLE_LABELS = {
    headteacher: "Headteacher", deputy_head: "Deputy Head", dsl: "DSL", deputy_dsl: "Deputy DSL",
    it_manager: "IT manager", poster: "Poster", staff: "Staff", governor: "Governor",
    chair_of_governors: "Chair of Governors", volunteer: "Volunteer",
  };
  const people = new Map();           // id -> {id, name, roles, job_title}
  const transcripts = new Map();      // id -> element holding that person's conversation
  let current = null;                 // the picked person's id
  let busy = false;
  let pollSeconds = 4;
  let maxTextLength = 4000;
  let pollTimer = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // *bold* and http(s) links inside one line of text, built as DOM nodes.
  const INLINE = /(\*[^*\n]+\*)|(https?:\/\/[^\s<>"')]+)/g;
  function appendInline(parent, line) {
    let last = 0;
    for (const match of line.matchAll(INLINE)) {
      if (match.index > last) parent.appendChild(document.createTextNode(line.slice(last, match.index)));
      if (match[1]) {
        parent.appendChild(el("strong", null, match[1].slice(1, -1)));
      } else {
        const link = el("a", null, match[2]);
        link.href = match[2];
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        parent.appendChild(link);
      }
      last = match.index + match[0].length;
    }
    if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
  }

  // Text with paragraphs: a blank line starts a new <p>; a single newline is a line break.
  function appendParagraphs(parent, text) {
    for (const block of String(text || "").split(/\n\s*\n/)) {
      if (!block.trim()) continue;
      const p = el("p");
      block.split("\n").forEach((line, index) => {
        if (index > 0) p.appendChild(el("br"));
        appendInline(p, line);
      });
      parent.appendChild(p);
    }
  }

  function transcript() {
    if (!transcripts.has(current)) {
      const box = el("div", "chat__transcript");
      box.dataset.person = current;
      transcripts.set(current, box);
    }
    return transcripts.get(current);
  }

  function showTranscript() {
    for (const [id, box] of transcripts) box.hidden = id !== current;
    const box = transcript();
    if (!box.isConnected) log.appendChild(box);
    box.hidden = false;
    emptyState.hidden = box.childElementCount > 0;
    scrollToEnd();
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addToLog(node, personId) {
    const box = personId && personId !== current ? transcripts.get(personId) : transcript();
    if (!box) return;
    box.appendChild(node);
    if (personId === undefined || personId === current) {
      emptyState.hidden = true;
      scrollToEnd();
    }
  }

  function userBubble(text, isAction) {
    const bubble = el("div", "message message--user" + (isAction ? " message--action" : ""), text);
    bubble.setAttribute("aria-label", "You said: " + text);
    return bubble;
  }

  function errorBubble(text) {
    const bubble = el("div", "message message--error", text);
    bubble.setAttribute("role", "alert");
    return bubble;
  }

  function renderFacts(facts) {
    const list = el("dl", "facts");
    for (const fact of facts) {
      list.appendChild(el("dt", null, fact[0]));
      list.appendChild(el("dd", null, fact[1]));
    }
    return list;
  }

  function renderButtons(buttons) {
    const row = el("div", "actions");
    for (const button of buttons) {
      const node = el("button", "button" + (button.style ? " button--" + button.style : ""), button.label);
      node.type = "button";
      node.addEventListener("click", () => {
        send({ action: button.action, value: button.value || {} }, button.label, true);
      });
      row.appendChild(node);
    }
    return row;
  }

  let formCounter = 0;
  function renderForm(form) {
    const node = el("form", "reply-form");
    const formId = "reply-form-" + (++formCounter);
    node.appendChild(el("h4", "reply-form__title", form.title));
    for (const field of form.fields || []) {
      const wrapper = el("div", "reply-form__field");
      const id = formId + "-" + field.name;
      const label = el("label", null, field.label);
      label.htmlFor = id;
      if (!field.required) label.appendChild(el("span", "reply-form__optional", " (optional)"));
      wrapper.appendChild(label);
      let control;
      if (field.kind === "multiline") {
        control = el("textarea");
        control.rows = 4;
      } else if (field.kind === "choice") {
        control = el("select");
        if (!field.initial) {
          const blank = el("option", null, "Choose…");
          blank.value = "";
          control.appendChild(blank);
        }
        for (const option of field.options || []) {
          const choice = el("option", null, option[1]);
          choice.value = option[0];
          control.appendChild(choice);
        }
      } else {
        control = el("input");
        control.type = field.kind === "date" ? "date" : "text";
      }
      control.id = id;
      control.name = field.name;
      control.required = Boolean(field.required);
      if (field.placeholder && control.tagName !== "SELECT") control.placeholder = field.placeholder;
      if (field.initial) control.value = field.initial;
      wrapper.appendChild(control);
      node.appendChild(wrapper);
    }
    const submit = el("button", "button button--primary", form.submit_label || "Submit");
    submit.type = "submit";
    node.appendChild(submit);
    node.addEventListener("submit", (event) => {
      event.preventDefault();
      if (busy) return;  // one request at a time; the form stays as it is
      const values = Object.assign({}, form.value || {});
      for (const field of form.fields || []) values[field.name] = node.elements[field.name].value;
      for (const control of node.elements) control.disabled = true;  // sent once
      send({ action: form.submit_action, value: values }, (form.submit_label || "Submit") + ": " + form.title, true);
    });
    return node;
  }

  // A CSV the reply carries (a training report, a chronology) as a file to save.
  function renderDownload(data) {
    const name = String(data.filename || "policybot.csv").replace(/[^\w.-]+/g, "-");
    const link = el("a", "download", "Download " + name);
    link.href = URL.createObjectURL(new Blob([String(data.csv)], { type: "text/csv;charset=utf-8" }));
    link.download = name;
    const line = el("p", "download-line");
    line.appendChild(link);
    return line;
  }

  // A stored file the reply hands over (evidence for the DSL): fetched from /local/files, which
  // checks again who may see it and records every view.
  function renderFile(file, personId) {
    const url = "/local/files/" + encodeURIComponent(file.id) + "?person=" + encodeURIComponent(personId);
    const box = el("div", "file");
    if (file.kind === "image") {
      const image = el("img", "file__image");
      image.src = url;
      image.alt = "Evidence: " + file.name;
      image.addEventListener("load", () => { if (personId === current) scrollToEnd(); });
      box.appendChild(image);
    }
    const link = el("a", "download", "Download " + file.name);
    link.href = url + "&download=1";
    link.download = file.name;
    box.appendChild(link);
    return box;
  }

  // A post draft's photos, as thumbnails: /local/draft-photos checks again who may see the draft.
  function renderThumbnails(images, personId) {
    const strip = el("div", "thumbnails");
    for (const image of images) {
      const thumb = el("img", "thumbnails__image");
      thumb.src = "/local/draft-photos/" + encodeURIComponent(image.id) + "?person=" + encodeURIComponent(personId);
      thumb.alt = "Photo: " + image.name;
      thumb.title = image.name;
      thumb.addEventListener("load", () => { if (personId === current) scrollToEnd(); });
      strip.appendChild(thumb);
    }
    return strip;
  }

  function renderReply(reply, notification) {
    const bubble = el("article", "message message--bot" + (notification ? " message--notification" : ""));
    if (notification) bubble.appendChild(el("p", "message__label", "Message for you"));
    if (reply.title) bubble.appendChild(el("h3", "message__title", reply.title));
    appendParagraphs(bubble, reply.text);
    if (reply.quote) {
      const quote = el("blockquote", "quote");
      appendParagraphs(quote, reply.quote);
      if (reply.quote_source) quote.appendChild(el("cite", "quote__source", reply.quote_source));
      bubble.appendChild(quote);
    }
    if (reply.data && Array.isArray(reply.data.images) && current) {
      bubble.appendChild(renderThumbnails(reply.data.images, current));
    }
    if (reply.facts && reply.facts.length) bubble.appendChild(renderFacts(reply.facts));
    if (reply.notes && reply.notes.length) {
      const notes = el("ul", "notes");
      for (const note of reply.notes) {
        const item = el("li");
        appendInline(item, note);
        notes.appendChild(item);
      }
      bubble.appendChild(notes);
    }
    if (reply.data && typeof reply.data.csv === "string") bubble.appendChild(renderDownload(reply.data));
    if (reply.data && reply.data.file && current) bubble.appendChild(renderFile(reply.data.file, current));
    if (reply.buttons && reply.buttons.length) bubble.appendChild(renderButtons(reply.buttons));
    if (reply.form) bubble.appendChild(renderForm(reply.form));
    return bubble;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    status.textContent = value ? "Policy Bot is thinking…" : "";
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return { error: "The server sent an unexpected answer (HTTP " + response.status + ")." };
    }
  }

  async function send(payload, echo, isAction) {
    if (!current) {
      status.textContent = "Pick who you are first.";
      personSelect.focus();
      return false;
    }
    if (busy) return false;
    const personId = current;
    addToLog(userBubble(echo, isAction));
    setBusy(true);
    try {
      let request;
      if (payload.files && payload.files.length) {
        // Files go as multipart/form-data to their own route; the text goes with them.
        const body = new FormData();
        body.append("person", personId);
        body.append("text", payload.text || "");
        for (const file of payload.files) body.append("file", file, file.name);
        request = { method: "POST", body: body };
      } else {
        request = {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(Object.assign({ person: personId }, payload)),
        };
      }
      const response = await fetch(payload.files && payload.files.length ? "/local/upload" : "/local/messages", request);
      const data = await readJson(response);
      if (!response.ok) {
        addToLog(errorBubble(data.error || "Something went wrong (HTTP " + response.status + ")."), personId);
      } else {
        for (const reply of data.replies || []) addToLog(renderReply(reply, false), personId);
      }
    } catch (error) {
      addToLog(errorBubble("Could not reach Policy Bot. Is the server still running?"), personId);
    } finally {
      setBusy(false);
    }
    pollInbox();
    return true;
  }

  async function pollInbox() {
    if (!current) return;
    const personId = current;
    try {
      const response = await fetch("/local/inbox?person=" + encodeURIComponent(personId));
      if (!response.ok) return;
      const data = await response.json();
      for (const reply of data.messages || []) addToLog(renderReply(reply, true), personId);
    } catch (error) {
      // The server may be restarting; the next poll tries again.
    }
  }

  function describe(person) {
    personDetails.textContent = "";
    if (!person) return;
    if (person.job_title) personDetails.appendChild(el("span", null, person.job_title));
    personDetails.appendChild(el("br"));
    for (const role of person.roles) {
      personDetails.appendChild(el("span", "role", ROLE_LABELS[role] || role.replace(/_/g, " ")));
    }
  }

  function pick(id) {
    current = people.has(id) ? id : null;
    describe(people.get(current));
    if (current) {
      try { localStorage.setItem("policybot.person", current); } catch (error) { /* private mode */ }
      showTranscript();
      pollInbox();
    }
  }

  async function loadPeople() {
    try {
      const response = await fetch("/local/people");
      const data = await response.json();
      pollSeconds = data.inbox_poll_seconds || pollSeconds;
      maxTextLength = data.max_text_length || maxTextLength;
      input.maxLength = maxTextLength;
      personSelect.textContent = "";
      const prompt = el("option", null, "Choose a person…");
      prompt.value = "";
      personSelect.appendChild(prompt);
      for (const person of data.people || []) {
        people.set(person.id, person);
        const option = el("option", null, person.name);
        option.value = person.id;
        personSelect.appendChild(option);
      }
      let remembered = null;
      try { remembered = localStorage.getItem("policybot.person"); } catch (error) { /* private mode */ }
      const initial = people.has(remembered) ? remembered : (people.has("staff") ? "staff" : "");
      personSelect.value = initial;
      pick(initial);
    } catch (error) {
      personSelect.textContent = "";
      personSelect.appendChild(el("option", null, "Could not load the roster"));
      status.textContent = "Could not load the roster. Is the server running?";
    }
    pollTimer = setInterval(pollInbox, pollSeconds * 1000);
  }

  personSelect.addEventListener("change", () => pick(personSelect.value));
  // A file may go without words.
  attach.addEventListener("change", () => { input.required = !(attach.files && attach.files.length); });

  composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    const files = Array.from(attach.files || []);
    if (!text.trim() && !files.length) {
      status.textContent = "Type a question first.";
      input.focus();
      return;
    }
    const echo = [text, ...files.map((file) => "[attached " + file.name + "]")].filter(Boolean).join("\n");
    if (await send({ text: text, files: files }, echo, false)) {
      input.value = "";
      attach.value = "";
      input.required = true;
      input.focus();
    }
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  for (const hint of document.querySelectorAll(".hint")) {
    hint.addEventListener("click", () => {
      input.value = hint.dataset.text;
      input.focus();
    });
  }

  loadPeople();
})();
