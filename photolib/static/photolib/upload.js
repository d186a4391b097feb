/* The upload page: a drop zone and a file picker for many photos, one request per file with
 * its own progress bar, then each photo's state polled until it leaves "processing".
 * Without this script the form still posts all files at once. No framework, no CDN. */
(function () {
  "use strict";

  // Texts in the page's language: Django's JavaScript catalog (loaded before this script)
  // when it is there, English otherwise.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  form.classList.add("js");

  var input = form.querySelector("input[type=file][name=file]");
  var zone = form.querySelector("[data-drop-zone]");
  var list = form.querySelector("[data-upload-list]");
  var button = form.querySelector("[data-upload-button]");
  var template = document.getElementById("upload-item-template");
  var announcer = form.querySelector("[data-upload-announcer]");
  // On a phone each photo's details start folded, so that the list of photos stays short.
  var folded = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
  var ownWork = form.querySelector("input[name=own_work]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var RELEASE_NEEDED = { release: true, minors: true };
  var FILE_REFUSED = { 413: true, 415: true, 422: true };  // too large, not accepted, unsafe
  var PARALLEL = 2;
  var items = [];

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // The people answer for all photos: "" until the resident picks one (nothing is pre-selected).
  function batchPeople() {
    var checked = form.querySelector("input[name=people]:checked");
    return checked ? checked.value : "";
  }

  // A photo's own answer when it has one, else the answer for all photos ("" when neither).
  function peopleOf(item) {
    return item.people.value || batchPeople();
  }

  function peopleChoices() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=people]"), function (radio) {
      var label = radio.closest("label");
      return { value: radio.value, text: label ? label.textContent.trim() : radio.value };
    });
  }

  function humanSize(bytes) {
    if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1e3)) + " kB";
  }

  function titleFromName(name) {
    var stem = name.replace(/\.[^.]*$/, "").replace(/[_\-.]+/g, " ").replace(/\s+/g, " ").trim();
    return (stem || gettext("Photo")).slice(0, 200);
  }

  // Screen readers hear each photo's progress in one polite live region: every change of
  // state, and the upload's progress in quarters (not every percent).
  function announce(item, text) {
    if (!announcer) return;
    announcer.textContent = item.file.name + ": " + text;
  }

  function setState(item, state, text) {
    if (item.stateEl.textContent !== text || item.state !== state) announce(item, text);
    item.state = state;
    item.el.setAttribute("data-state", state);
    item.stateEl.textContent = text;
    var editable = state === "ready" || state === "error";
    item.el.querySelectorAll(".upload-fields input, .upload-fields textarea, .upload-fields select")
      .forEach(function (field) { field.disabled = !editable; });
    item.removeButton.hidden = !(editable || state === "rejected");
  }

  function showThumb(item, url) {
    var img = document.createElement("img");
    img.alt = "";
    img.src = url;
    item.thumbEl.textContent = "";
    item.thumbEl.appendChild(img);
  }

  function addFile(file) {
    var el = template.content.firstElementChild.cloneNode(true);
    var item = {
      file: file, el: el, state: "ready", photo: null,
      stateEl: el.querySelector(".upload-state"),
      progress: el.querySelector(".upload-progress"),
      thumbEl: el.querySelector(".upload-thumb"),
      title: el.querySelector(".upload-title"),
      description: el.querySelector(".upload-description"),
      tags: el.querySelector(".upload-tags"),
      place: el.querySelector(".upload-place"),
      people: el.querySelector(".upload-people"),
      releaseLabel: el.querySelector(".upload-release"),
      release: el.querySelector(".upload-release-file"),
      removeButton: el.querySelector(".upload-remove")
    };
    el.querySelector(".upload-name").textContent = file.name;
    var details = el.querySelector(".upload-details");
    if (details && folded) details.open = false;
    el.querySelector(".upload-size").textContent = humanSize(file.size);
    item.title.value = titleFromName(file.name);
    item.progress.setAttribute("aria-label", format(gettext("Upload of %(name)s"), {name: file.name}));
    var same = document.createElement("option");
    same.value = "";
    same.textContent = gettext("As for all photos (answer below)");
    item.people.appendChild(same);
    peopleChoices().forEach(function (choice) {
      var option = document.createElement("option");
      option.value = choice.value;
      option.textContent = choice.text;
      item.people.appendChild(option);
    });
    item.people.value = "";  // follows the answer for all photos until given its own
    item.syncRelease = function () { item.releaseLabel.hidden = !RELEASE_NEEDED[peopleOf(item)]; };
    item.people.addEventListener("change", item.syncRelease);
    item.syncRelease();
    item.removeButton.addEventListener("click", function () {
      items.splice(items.indexOf(item), 1);
      el.remove();
      updateButton();
    });
    if (/^image\/(jpeg|png|webp)$/.test(file.type)) {
      showThumb(item, URL.createObjectURL(file));
    }
    list.appendChild(el);
    items.push(item);
    if (maxBytes && file.size > maxBytes) {
      setState(item, "error", format(gettext("Too large: the maximum is %(size)s per photo."),
                                    {size: humanSize(maxBytes)}));
      item.tooLarge = true;
    } else {
      setState(item, "ready", gettext("Ready to upload"));
    }
  }

  function addFiles(files) {
    Array.prototype.forEach.call(files, addFile);
    updateButton();
  }

  function pending() {
    return items.filter(function (item) {
      return (item.state === "ready" || item.state === "error") && !item.tooLarge;
    });
  }

  function updateButton() {
    var count = pending().length;
    button.textContent = count ? format(ngettext("Upload %(count)s photo", "Upload %(count)s photos", count),
                                       {count: count}) : gettext("Upload");
  }

  function describe(photo) {
    if (photo.status === "processing") return gettext("Processing…");
    if (photo.reason) return photo.status_label + ": " + photo.reason;
    return photo.status_label;
  }

  function poll(item, delay) {
    window.setTimeout(function () {
      fetch(item.photo.status_url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (body) { settle(item, body.photo, Math.min(delay * 1.5, 5000)); })
        .catch(function () { poll(item, Math.min(delay * 2, 10000)); });
    }, delay);
  }

  function settle(item, photo, nextDelay) {
    item.photo = photo;
    if (photo.status === "processing") {
      setState(item, "processing", gettext("Processing…"));
      poll(item, nextDelay);
      return;
    }
    var bad = photo.status === "rejected" || photo.status === "failed";
    setState(item, bad ? "rejected" : "done", describe(photo));
    if (photo.thumb_url) showThumb(item, photo.thumb_url);
  }

  function send(item) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken());
      // A photo's own tags and place, when given, replace the ones for all photos.
      var own = { tags: item.tags.value.trim(), place_name: item.place.value.trim() };
      ["group", "tags", "place_name"].forEach(function (name) {
        var field = form.elements[name];
        data.append(name, own[name] || (field ? field.value : ""));
      });
      if (ownWork && ownWork.checked) data.append("own_work", "on");
      var hideLocation = form.elements.hide_location;
      if (hideLocation && hideLocation.checked) data.append("hide_location", "on");
      data.append("title", item.title.value);
      data.append("description", item.description.value);
      data.append("people", peopleOf(item));
      if (!item.releaseLabel.hidden && item.release.files.length) {
        data.append("release", item.release.files[0]);
      }
      data.append("file", item.file, item.file.name);

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.pathname);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var percent = Math.round((event.loaded / event.total) * 100);
        item.progress.value = percent;
        item.stateEl.textContent = gettext("Uploading…") + " " + percent + "%";
        var quarter = Math.floor(percent / 25);
        if (quarter > (item.quarter || 0) && percent < 100) {
          item.quarter = quarter;
          announce(item, gettext("Uploading…") + " " + percent + "%");
        }
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 201 && body && body.photo) {
          item.progress.value = 100;
          settle(item, body.photo, 1000);
        } else {
          item.progress.value = 0;
          var message = body && body.error ? body.error
          : format(gettext("The upload failed (error %(status)s)."), {status: xhr.status});
          if (FILE_REFUSED[xhr.status]) {
            // The file itself was refused: sending it again would not help.
            item.thumbEl.textContent = "";
            setState(item, "rejected", format(gettext("Not uploaded: %(reason)s"), {reason: message}));
          } else {
            setState(item, "error", format(gettext("Not uploaded: %(reason)s"), {reason: message}));
          }
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        item.progress.value = 0;
        setState(item, "error",
          gettext("Not uploaded: the connection failed. Press Upload to try again."));
        resolve();
      });
      setState(item, "uploading", gettext("Uploading…") + " 0%");
      xhr.send(data);
    });
  }

  function uploadAll() {
    var queue = pending();
    var running = 0;
    return new Promise(function (resolve) {
      function next() {
        if (!queue.length && !running) { resolve(); return; }
        while (running < PARALLEL && queue.length) {
          running += 1;
          send(queue.shift()).then(function () { running -= 1; next(); });
        }
      }
      next();
    });
  }

  // An error under a field, in role=alert, and linked to the field's controls (their
  // aria-describedby names it, aria-invalid is set) until it is cleared.
  var errorCount = 0;
  function fieldError(field, message) {
    if (!field) return;
    var existing = field.querySelector(".js-error");
    var controls = field.querySelectorAll("[role=radiogroup], input[type=checkbox]");
    if (existing) existing.remove();
    field.classList.toggle("has-error", !!message);
    controls.forEach(function (control) {
      var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/^js-error-/.test(id);
      });
      if (message) ids.push("js-error-" + (errorCount + 1));
      if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
      else control.removeAttribute("aria-describedby");
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    });
    if (message) {
      errorCount += 1;
      // The alert wraps the list: role=alert on the <ul> itself would unmake the list.
      var box = document.createElement("div");
      box.className = "js-error";
      box.id = "js-error-" + errorCount;
      box.setAttribute("role", "alert");
      box.innerHTML = '<ul class="errorlist"><li></li></ul>';
      box.querySelector("li").textContent = message;
      field.appendChild(box);
    }
  }

  var peopleField = form.querySelector("[data-people-default]");
  peopleField = peopleField ? peopleField.closest(".field") : null;
  var PEOPLE_MISSING = gettext("Say whether identifiable people appear: choose an answer for " +
    "all photos here, or give each photo its own.");

  // Photos that would go without a people answer: none may be sent then.
  function unanswered() {
    return pending().filter(function (item) { return !peopleOf(item); });
  }

  form.querySelectorAll("input[name=people]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      items.forEach(function (item) { item.syncRelease(); });
      if (!unanswered().length) fieldError(peopleField, "");
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pending().length) {
      if (!items.length) input.click();
      return;
    }
    var missing = unanswered();
    if (missing.length) {
      fieldError(peopleField, PEOPLE_MISSING);
      missing.forEach(function (item) {
        setState(item, "error", gettext("Not uploaded yet: say whether identifiable people appear."));
      });
      (missing[0].people || peopleField).focus();
      return;
    }
    fieldError(peopleField, "");
    if (ownWork && !ownWork.checked) {
      fieldError(ownWork.closest(".field"),
        gettext("You can only share photos you took yourself: tick the statement to confirm it."));
      ownWork.focus();
      return;
    }
    fieldError(ownWork ? ownWork.closest(".field") : null, "");
    button.disabled = true;
    uploadAll().then(function () { button.disabled = false; updateButton(); });
  });

  function takeChosenFiles() {
    if (!input.files || !input.files.length) return;
    addFiles(input.files);
    input.value = "";
  }
  input.addEventListener("change", takeChosenFiles);
  // Files chosen before this script ran (a slow page, a restored form) join the list too.
  takeChosenFiles();

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("is-dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.remove("is-dragging");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
  });
  // A file dropped just beside the zone must not navigate away from the page.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });
})();
