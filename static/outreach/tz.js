/* Tell the server the browser's time zone (a cookie, for the next pages), and without reloading
   show this page's times in it. Pages work without this: they then show UTC, named as such,
   with a link to the time-zone page. */
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  if (!/(?:^|; )tz=/.test(document.cookie)) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }
  var root = document.documentElement;
  // Only where the server knew no zone (it showed UTC) and the browser lives elsewhere.
  if (zone === "UTC" || root.getAttribute("data-time-zone-source") !== "default") {
    return;
  }
  // Zone fields still on UTC (the registration form, the zone page) start on the device's zone.
  var selects = document.querySelectorAll("select[name=time_zone]");
  for (var k = 0; k < selects.length; k++) {
    if (selects[k].value === "UTC" && selects[k].querySelector("option[value='" + zone + "']")) {
      selects[k].value = zone;
    }
  }
  var language = root.lang || "en";
  // The locale's own full date, medium date and short time, as Babel's on the server.
  var dayFormat, mediumFormat, timeFormat;
  try {
    dayFormat = new Intl.DateTimeFormat(language, { dateStyle: "full", timeZone: zone });
    mediumFormat = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: zone });
    timeFormat = new Intl.DateTimeFormat(language, { timeStyle: "short", timeZone: zone });
  } catch (e) {
    return;
  }

  function zoneName(moment) {
    var parts = new Intl.DateTimeFormat(language, { timeZoneName: "long", timeZone: zone })
      .formatToParts(moment);
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].type === "timeZoneName") {
        return parts[i].value;
      }
    }
    return zone;
  }

  // French writes the first of a month "1er" (as the server does, outreach/timezones.py).
  function day(format, moment) {
    var text = format.format(moment);
    return language === "fr" ? text.replace(/(^|\s)1(?=\s\D)/, "$11er") : text;
  }

  var times = document.querySelectorAll("time[datetime][data-end]");
  var shown = false;
  for (var i = 0; i < times.length; i++) {
    var start = new Date(times[i].getAttribute("datetime"));
    var end = new Date(times[i].getAttribute("data-end"));
    if (isNaN(start) || isNaN(end)) {
      continue;
    }
    var sameDay = day(dayFormat, start) === day(dayFormat, end);
    times[i].textContent = day(dayFormat, start) + ", " + timeFormat.format(start) + "–" +
      (sameDay ? "" : day(mediumFormat, end) + " ") + timeFormat.format(end);
    var label = times[i].nextElementSibling;
    if (label && label.classList.contains("time-zone")) {
      label.textContent = "(" + zoneName(start) + ")";
    }
    shown = true;
  }
  if (!shown) {
    return;
  }
  var notes = document.querySelectorAll("[data-browser-zone-note]");
  for (var j = 0; j < notes.length; j++) {
    notes[j].textContent = notes[j].getAttribute("data-browser-zone-note")
      .replace("%(zone)s", zoneName(new Date()));
  }
})();
